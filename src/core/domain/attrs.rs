//! The directory form of one codec object (`RawObject`): its DN under the IPsec container
//! and the attribute values an LDAP add or modify writes, references as DNs. The inverse of
//! `RawObject::from_directory`; pure.
//!
//! Must not: talk to the directory or decide what to write (`write` does).

use std::collections::BTreeMap;

use crate::core::interchange::registry::wire::braced;
use crate::core::interchange::registry::{ObjRef, RawObject};

/// `CN=ipsecNFA{GUID},<container>`.
pub fn object_dn(r: &ObjRef, container_dn: &str) -> String {
    format!("CN={},{container_dn}", r.key_name())
}

/// The writable attributes of `o`, in a stable order, each with its values (references
/// as DNs under `container_dn`). `objectClass` names the one structural class; the server
/// adds `top` and `ipsecBase`.
pub fn directory_attributes(
    o: &RawObject,
    container_dn: &str,
) -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let dns = |refs: &[ObjRef]| -> Vec<Vec<u8>> {
        refs.iter()
            .map(|r| object_dn(r, container_dn).into_bytes())
            .collect()
    };
    let text = |t: &str| vec![t.as_bytes().to_vec()];
    let mut out: Vec<(&'static str, Vec<Vec<u8>>)> = vec![
        ("objectClass", text(o.class.name())),
        ("ipsecID", text(&braced(o.id))),
    ];
    if let Some(n) = &o.name {
        out.push(("ipsecName", text(n)));
    }
    if let Some(d) = o.description.as_ref().filter(|d| !d.is_empty()) {
        out.push(("description", text(d)));
    }
    out.push(("ipsecDataType", text(&o.data_type.to_string())));
    out.push(("ipsecData", vec![o.data.clone()]));
    if let Some(r) = &o.isakmp {
        out.push(("ipsecISAKMPReference", dns(std::slice::from_ref(r))));
    }
    if !o.nfas.is_empty() {
        out.push(("ipsecNFAReference", dns(&o.nfas)));
    }
    if let Some(r) = &o.negotiation_policy {
        out.push((
            "ipsecNegotiationPolicyReference",
            dns(std::slice::from_ref(r)),
        ));
    }
    if !o.filters.is_empty() {
        out.push(("ipsecFilterReference", dns(&o.filters)));
    }
    if let Some(a) = o.action {
        out.push(("ipsecNegotiationPolicyAction", text(&braced(a))));
    }
    if let Some(t) = o.negotiation_type {
        out.push(("ipsecNegotiationPolicyType", text(&braced(t))));
    }
    if !o.owners.is_empty() {
        out.push(("ipsecOwnersReference", dns(&o.owners)));
    }
    out
}

/// The attributes as a map with each attribute's values sorted (LDAP keeps no order among
/// the values of one attribute) and DNs compared case-insensitively.
pub fn comparable(o: &RawObject, container_dn: &str) -> BTreeMap<String, Vec<Vec<u8>>> {
    directory_attributes(o, container_dn)
        .into_iter()
        .filter(|(name, _)| *name != "objectClass")
        .map(|(name, mut values)| {
            if name.ends_with("Reference")
                || name == "ipsecID"
                || name.ends_with("Action")
                || name.ends_with("Type") && name != "ipsecDataType"
            {
                for v in &mut values {
                    v.make_ascii_lowercase();
                }
            }
            values.sort();
            (name.to_ascii_lowercase(), values)
        })
        .collect()
}

/// True when writing `new` over `old` would change what the directory holds.
pub fn differs(old: &RawObject, new: &RawObject, container_dn: &str) -> bool {
    comparable(old, container_dn) != comparable(new, container_dn)
}
