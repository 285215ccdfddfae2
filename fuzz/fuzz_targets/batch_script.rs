//! A `.bat`/`.cmd` file read by `ipsedit script` (decoding, parsing, expansion, the
//! interpreter and the netsh/ipseccmd lines it applies), all-or-nothing and line by line.
#![no_main]
use ipsedit::core::interchange::batch::{NoFiles, Options, run};
use ipsedit::core::model::Snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = run(
        &mut Snapshot::default(),
        "fuzz.bat",
        data,
        &Options::default(),
        &NoFiles,
    );
    let keep_going = Options {
        continue_on_error: true,
        ..Options::default()
    };
    let _ = run(&mut Snapshot::default(), "fuzz.bat", data, &keep_going, &NoFiles);
});
