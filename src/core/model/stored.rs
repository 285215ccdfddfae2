//! What an object looked like in Windows' own storage when it was read (registry values of
//! its key, blob included), kept so that an object nobody edited is written back byte for
//! byte, junk bytes, unknown extensions and `whenChanged` included. The interchange code
//! that reads a store fills this in and decides, by the fingerprint, whether the model
//! object still says what the stored one said. Pure data.

use serde::{Deserialize, Serialize};

/// One stored value: name, registry type (1 REG_SZ, 3 REG_BINARY, 4 REG_DWORD, 7
/// REG_MULTI_SZ) and the data as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StoredValue {
    pub name: String,
    pub kind: u32,
    #[serde(with = "hex_bytes")]
    pub data: Vec<u8>,
}

/// A registry object no policy uses (Windows' "Version Information Object", an NFA left
/// behind by a deleted rule), kept as read so that exporting the store writes it back byte
/// for byte. Not part of any policy: the engine never sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnreferencedObject {
    /// The key name: class and braced GUID (`ipsecNFA{6A1F5C6F-...}`).
    pub key: String,
    pub stored: StoredObject,
}

/// An object as read from a registry key (or a directory entry).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StoredObject {
    /// Where it was read (the registry path of the key's parent, e.g.
    /// `SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local`).
    pub location: String,
    /// A hash of the values ipsedit would write for the model object as it was read; when
    /// the model object still gives this hash, `values` are written back unchanged.
    pub fingerprint: u64,
    pub values: Vec<StoredValue>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        let text: String = b.iter().map(|x| format!("{x:02x}")).collect();
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        if !text.len().is_multiple_of(2) {
            return Err(serde::de::Error::custom(
                "stored value data must be an even number of hex digits",
            ));
        }
        (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!(
                            "stored value data has a non-hex digit near character {i}"
                        ))
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_hex_in_stores() {
        let v = StoredValue {
            name: "ipsecData".into(),
            kind: 3,
            data: vec![0xb5, 0x20, 0x00],
        };
        let text = serde_json::to_string(&v).expect("json");
        assert_eq!(text, r#"{"name":"ipsecData","kind":3,"data":"b52000"}"#);
        assert_eq!(serde_json::from_str::<StoredValue>(&text).expect("back"), v);
        assert!(
            serde_json::from_str::<StoredValue>(r#"{"name":"x","kind":3,"data":"b5z0"}"#).is_err()
        );
    }
}
