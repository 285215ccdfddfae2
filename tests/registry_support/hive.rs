//! A generator of an empty registry hive (regf), since neither hivex nor Samba can create
//! one: a 4 KiB base block and one 4 KiB hive bin holding the root key (`nk`), its
//! security descriptor (`sk`) and one free cell. Layout from the public regf format
//! description (base block: signature, sequence numbers, version 1.3, root cell offset,
//! bins size, XOR checksum of the first 508 bytes at 508; cells: negative size when
//! allocated). `hivexregedit --merge` then writes content into it.

const BLOCK: usize = 4096;

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// The bytes of an empty hive whose root key is named `root`.
pub fn empty_hive(root: &str) -> Vec<u8> {
    let mut f = vec![0u8; 2 * BLOCK];
    // Base block.
    f[0..4].copy_from_slice(b"regf");
    put32(&mut f, 4, 1); // primary sequence number
    put32(&mut f, 8, 1); // secondary sequence number (equal: the hive is clean)
    put32(&mut f, 20, 1); // major version
    put32(&mut f, 24, 3); // minor version
    put32(&mut f, 28, 0); // primary file
    put32(&mut f, 32, 1); // direct memory load
    put32(&mut f, 36, 0x20); // root cell offset, relative to the first bin
    put32(&mut f, 40, BLOCK as u32); // size of the hive bins
    put32(&mut f, 44, 1); // clustering factor
    let checksum = (0..127).fold(0u32, |x, i| {
        x ^ u32::from_le_bytes([f[i * 4], f[i * 4 + 1], f[i * 4 + 2], f[i * 4 + 3]])
    });
    put32(&mut f, 508, checksum);
    // Hive bin header.
    let h = BLOCK;
    f[h..h + 4].copy_from_slice(b"hbin");
    put32(&mut f, h + 4, 0); // offset of this bin
    put32(&mut f, h + 8, BLOCK as u32); // size of this bin
    // Root key cell at bin offset 0x20.
    let nk_off = 0x20;
    let nk_len = (4 + 0x4C + root.len()).div_ceil(8) * 8;
    let sk_off = nk_off + nk_len;
    let n = h + nk_off;
    put32(&mut f, n, (-(nk_len as i32)) as u32);
    f[n + 4..n + 6].copy_from_slice(b"nk");
    put16(&mut f, n + 6, 0x2C); // hive entry | no delete | ASCII name
    put32(&mut f, n + 0x14, 0xFFFF_FFFF); // parent: none
    put32(&mut f, n + 0x20, 0xFFFF_FFFF); // subkey list: none
    put32(&mut f, n + 0x24, 0xFFFF_FFFF); // volatile subkey list: none
    put32(&mut f, n + 0x2C, 0xFFFF_FFFF); // value list: none
    put32(&mut f, n + 0x30, sk_off as u32); // security cell
    put32(&mut f, n + 0x34, 0xFFFF_FFFF); // class name: none
    put16(&mut f, n + 0x4C, root.len() as u16);
    f[n + 0x50..n + 0x50 + root.len()].copy_from_slice(root.as_bytes());
    // Security cell: a self-relative descriptor with no owner, group or ACLs.
    let sd: [u8; 20] = [
        1, 0, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let sk_len = (4 + 0x14 + sd.len()).div_ceil(8) * 8;
    let s = h + sk_off;
    put32(&mut f, s, (-(sk_len as i32)) as u32);
    f[s + 4..s + 6].copy_from_slice(b"sk");
    put32(&mut f, s + 8, sk_off as u32); // flink: itself
    put32(&mut f, s + 12, sk_off as u32); // blink: itself
    put32(&mut f, s + 16, 1); // reference count
    put32(&mut f, s + 20, sd.len() as u32);
    f[s + 24..s + 24 + sd.len()].copy_from_slice(&sd);
    // The rest of the bin is one free cell.
    let free_off = sk_off + sk_len;
    put32(&mut f, h + free_off, (BLOCK - free_off) as u32);
    f
}
