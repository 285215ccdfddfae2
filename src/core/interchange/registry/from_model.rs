//! Model -> stored objects: every policy (or one) with its ISAKMP object, its rules and
//! default response rule as NFAs, and the filter lists and filter actions they use. An
//! object whose model form still fingerprints as when it was read is given its stored
//! values back unchanged; others are encoded afresh (zeros in ignored fields, `whenChanged`
//! = now). Encodings MS-GPIPSEC.md still calls unconfirmed are named in `warnings`.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::guids::*;
use super::negotiation::{Algorithm, NegotiationBlob, OFFER_AH, OFFER_ESP, Offer};
use super::nfa::*;
use super::objects::{Class, ObjRef, RawObject};
use super::policy_blob::{GROUP_14, IsakmpBlob, IsakmpMethod, PolicyBlob};
use crate::core::model::{
    AuthMethod, Behavior, Cipher, ConnectionType, DhGroup, FilterAction, FilterList, HashAlg, Id,
    KeyExchange, MainModeMethod, Policy, Rule, SecurityMethod, Snapshot, StoredObject, StoredValue,
};

/// What `export_objects` gives: the objects, each with the values to write, and the
/// assigned policy's reference when it is among them.
#[derive(Debug, Clone)]
pub struct Exported {
    pub objects: Vec<RawObject>,
    pub active: Option<ObjRef>,
    pub warnings: Vec<String>,
}

/// Main-mode methods Windows writes when none are chosen (the defaults' ISAKMP blobs).
pub fn default_main_mode() -> Vec<MainModeMethod> {
    use Cipher::*;
    use HashAlg::*;
    [
        (TripleDes, Sha1, DhGroup::Medium),
        (TripleDes, Md5, DhGroup::Medium),
        (Des, Sha1, DhGroup::Low),
        (Des, Md5, DhGroup::Low),
    ]
    .into_iter()
    .map(|(encryption, integrity, dh_group)| MainModeMethod {
        encryption,
        integrity,
        dh_group,
    })
    .collect()
}

/// The default response rule's offers when none are chosen (Windows' default blobs).
pub fn default_response_methods() -> Vec<SecurityMethod> {
    use Cipher::*;
    use HashAlg::*;
    let esp = |c, h| SecurityMethod {
        ah: None,
        esp: Some(crate::core::model::Esp {
            encryption: Some(c),
            integrity: Some(h),
        }),
        lifetime_kb: 0,
        lifetime_secs: 0,
    };
    let ah = |h| SecurityMethod {
        ah: Some(h),
        esp: None,
        lifetime_kb: 0,
        lifetime_secs: 0,
    };
    vec![
        esp(TripleDes, Sha1),
        esp(TripleDes, Md5),
        esp(Des, Sha1),
        esp(Des, Md5),
        ah(Sha1),
        ah(Md5),
    ]
}

/// A GUID derived from another, for objects the model has no GUID of its own for (the
/// ISAKMP object, the default response rule and its action; extra filter specs of a DNS
/// name). The reader recognises derived GUIDs and keeps them implicit.
pub fn derive(id: Id, n: u8) -> Id {
    let mut b = *id.as_bytes();
    b[14] ^= 0xA5;
    b[15] ^= n;
    Uuid::from_bytes(b)
}

pub const DERIVE_ISAKMP: u8 = 1;
pub const DERIVE_DR_RULE: u8 = 2;
pub const DERIVE_DR_ACTION: u8 = 3;

/// FNV-1a over the values (without `whenChanged`): a fingerprint stable across builds.
pub fn fingerprint(values: &[StoredValue]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: &[u8]| {
        for x in b {
            h ^= u64::from(*x);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for v in values
        .iter()
        .filter(|v| !v.name.eq_ignore_ascii_case("whenChanged"))
    {
        eat(v.name.as_bytes());
        eat(&[0xff]);
        eat(&v.kind.to_le_bytes());
        eat(&(v.data.len() as u64).to_le_bytes());
        eat(&v.data);
    }
    h
}

/// Objects with their model origin, before stored values are chosen.
pub struct Fresh<'a> {
    pub object: RawObject,
    pub stored: Option<&'a StoredObject>,
}

/// Builds the objects of `policies` (all when `None`) afresh, without `whenChanged`.
pub fn fresh_objects<'a>(
    snap: &'a Snapshot,
    only: Option<Id>,
    warnings: &mut BTreeSet<String>,
) -> Vec<Fresh<'a>> {
    let policies: Vec<&Policy> = snap
        .policies
        .iter()
        .filter(|p| only.is_none_or(|id| p.id == id))
        .collect();
    let mut lists: Vec<&FilterList> = Vec::new();
    let mut actions: Vec<&FilterAction> = Vec::new();
    if only.is_none() {
        lists = snap.filter_lists.iter().collect();
        actions = snap.filter_actions.iter().collect();
    } else {
        for r in policies.iter().flat_map(|p| &p.rules) {
            if let Some(l) = snap.filter_list(r.filter_list)
                && !lists.iter().any(|x| x.id == l.id)
            {
                lists.push(l);
            }
            if let Some(a) = snap.filter_action(r.filter_action)
                && !actions.iter().any(|x| x.id == a.id)
            {
                actions.push(a);
            }
        }
    }
    let mut owners: BTreeMap<ObjRef, Vec<ObjRef>> = BTreeMap::new();
    let mut out = Vec::new();
    for p in &policies {
        let pref = ObjRef::new(Class::Policy, p.id);
        let isakmp_id = p.key_exchange.id.unwrap_or(derive(p.id, DERIVE_ISAKMP));
        let dr_rule = p
            .default_response
            .rule_id
            .unwrap_or(derive(p.id, DERIVE_DR_RULE));
        let dr_action = p
            .default_response
            .action_id
            .unwrap_or(derive(p.id, DERIVE_DR_ACTION));
        let mut po = RawObject::new(
            Class::Policy,
            p.id,
            PolicyBlob {
                polling_secs: p.polling_interval_min.saturating_mul(60),
            }
            .encode(),
        );
        po.name = Some(p.name.clone());
        po.description = nonempty(&p.description);
        po.isakmp = Some(ObjRef::new(Class::Isakmp, isakmp_id));
        po.nfas = p
            .rules
            .iter()
            .map(|r| ObjRef::new(Class::Nfa, r.id))
            .chain([ObjRef::new(Class::Nfa, dr_rule)])
            .collect();
        out.push(Fresh {
            object: po,
            stored: p.stored.as_ref(),
        });
        let mut io = RawObject::new(
            Class::Isakmp,
            isakmp_id,
            isakmp_blob(&p.key_exchange, isakmp_id).encode(),
        );
        io.name = Some(super::wire::braced(isakmp_id));
        io.owners = vec![pref];
        out.push(Fresh {
            object: io,
            stored: p.key_exchange.stored.as_ref(),
        });
        for r in &p.rules {
            let rref = ObjRef::new(Class::Nfa, r.id);
            let mut ro = RawObject::new(Class::Nfa, r.id, rule_blob(r).encode());
            ro.name = Some(r.name.clone());
            ro.description = nonempty(&r.description);
            ro.negotiation_policy = Some(ObjRef::new(Class::NegotiationPolicy, r.filter_action));
            ro.filters = vec![ObjRef::new(Class::Filter, r.filter_list)];
            ro.owners = vec![pref];
            owners
                .entry(ObjRef::new(Class::NegotiationPolicy, r.filter_action))
                .or_default()
                .push(rref);
            owners
                .entry(ObjRef::new(Class::Filter, r.filter_list))
                .or_default()
                .push(rref);
            out.push(Fresh {
                object: ro,
                stored: r.stored.as_ref(),
            });
        }
        let dr = &p.default_response;
        let mut dro = RawObject::new(
            Class::Nfa,
            dr_rule,
            NfaBlob {
                auth: auth_entries(&dr.authentication),
                interface_type: INTERFACE_ALL,
                interface_name: String::new(),
                tunnel_addr: [0; 4],
                is_tunnel: false,
                is_active: dr.active,
                endpoint_name: String::new(),
                tail: vec![0],
            }
            .encode(),
        );
        dro.negotiation_policy = Some(ObjRef::new(Class::NegotiationPolicy, dr_action));
        dro.owners = vec![pref];
        out.push(Fresh {
            object: dro,
            stored: dr.rule_stored.as_ref(),
        });
        let methods = if dr.methods.is_empty() {
            default_response_methods()
        } else {
            dr.methods.clone()
        };
        let mut dra = RawObject::new(
            Class::NegotiationPolicy,
            dr_action,
            NegotiationBlob {
                offers: offers(&methods, false, dr.session_key_pfs, warnings),
            }
            .encode(),
        );
        dra.action = Some(ACTION_SECURE);
        dra.negotiation_type = Some(TYPE_DEFAULT_RESPONSE);
        dra.owners = vec![ObjRef::new(Class::Nfa, dr_rule)];
        out.push(Fresh {
            object: dra,
            stored: dr.action_stored.as_ref(),
        });
    }
    for a in actions {
        let mut ao = RawObject::new(
            Class::NegotiationPolicy,
            a.id,
            NegotiationBlob {
                // Offers are written whatever the action, so switching a permit action
                // back to negotiate finds its methods (Windows' "Permit" has none).
                offers: offers(&a.methods, a.soft, a.session_key_pfs, warnings),
            }
            .encode(),
        );
        ao.name = Some(a.name.clone());
        ao.description = nonempty(&a.description);
        ao.action = Some(match (a.behavior, a.inpass) {
            (Behavior::Block, _) => ACTION_BLOCK,
            (Behavior::Permit, _) => ACTION_PERMIT,
            (Behavior::Negotiate, true) => ACTION_INBOUND_PASSTHRU,
            (Behavior::Negotiate, false) => ACTION_SECURE,
        });
        ao.negotiation_type = Some(a.negotiation_type.unwrap_or(TYPE_STANDARD));
        ao.owners = owners
            .remove(&ObjRef::new(Class::NegotiationPolicy, a.id))
            .unwrap_or_default();
        out.push(Fresh {
            object: ao,
            stored: a.stored.as_ref(),
        });
    }
    for l in lists {
        let mut lo = RawObject::new(
            Class::Filter,
            l.id,
            super::filters_map::filter_blob(l, warnings).encode(),
        );
        lo.name = Some(l.name.clone());
        lo.description = nonempty(&l.description);
        lo.owners = owners
            .remove(&ObjRef::new(Class::Filter, l.id))
            .unwrap_or_default();
        out.push(Fresh {
            object: lo,
            stored: l.stored.as_ref(),
        });
    }
    out
}

/// The objects to write for `snap` (or one policy of it) at `location`, `now` being the
/// `whenChanged` of objects encoded afresh.
pub fn export_objects(snap: &Snapshot, only: Option<Id>, location: &str, now: u32) -> Exported {
    let mut warnings = BTreeSet::new();
    let fresh = fresh_objects(snap, only, &mut warnings);
    let mut edited_warnings = false;
    let mut objects = fresh
        .into_iter()
        .map(|f| {
            let mut o = f.object;
            let values = o.to_values(location);
            match f.stored {
                Some(s)
                    if s.location.eq_ignore_ascii_case(location)
                        && s.fingerprint == fingerprint(&values) =>
                {
                    o.values = s.values.clone();
                }
                _ => {
                    edited_warnings = true;
                    o.when_changed = Some(now);
                    o.values = o.to_values(location);
                }
            }
            o
        })
        .collect::<Vec<_>>();
    // Warnings about encodings matter only for what was encoded afresh.
    let mut warnings: Vec<String> = if edited_warnings {
        warnings.into_iter().collect()
    } else {
        Vec::new()
    };
    if only.is_none() {
        let kept = unreferenced_objects(snap, location, &objects, &mut warnings);
        objects.extend(kept);
    }
    let active = snap
        .assigned
        .filter(|a| only.is_none_or(|id| id == *a))
        .filter(|a| snap.policy(*a).is_some())
        .map(|a| ObjRef::new(Class::Policy, a));
    Exported {
        objects,
        active,
        warnings,
    }
}

/// The objects no policy uses that `snap` kept from `location`, as read (none from another
/// location: their references would name it); `present` wins over a kept object with the
/// same key. One whose values no longer make an object is named in a warning.
pub fn unreferenced_objects(
    snap: &Snapshot,
    location: &str,
    present: &[RawObject],
    warnings: &mut Vec<String>,
) -> Vec<RawObject> {
    let taken: std::collections::HashSet<String> = present
        .iter()
        .map(|o| o.reference().key_name().to_ascii_lowercase())
        .collect();
    let mut out = Vec::new();
    for u in &snap.unreferenced {
        if !u.stored.location.eq_ignore_ascii_case(location)
            || taken.contains(&u.key.to_ascii_lowercase())
        {
            continue;
        }
        match RawObject::from_values(&u.key, &u.stored.values) {
            Ok(o) => out.push(o),
            Err(e) => warnings.push(format!("{}: kept object left out: {e}", u.key)),
        }
    }
    out
}

fn nonempty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn isakmp_blob(k: &KeyExchange, id: Id) -> IsakmpBlob {
    let methods = if k.methods.is_empty() {
        default_main_mode()
    } else {
        k.methods.clone()
    };
    IsakmpBlob {
        instance: id,
        master_pfs: k.master_key_pfs,
        options: u32::from(k.cert_to_account) | (u32::from(k.no_cert_request) << 1),
        new_dh: [0; 4],
        qm_limit: k.lifetime_sessions,
        mm_lifetime: 0,
        methods: methods
            .iter()
            .map(|m| {
                let mut im = IsakmpMethod::new(
                    match m.encryption {
                        Cipher::Des => 1,
                        Cipher::TripleDes => 3,
                    },
                    hash_id(m.integrity),
                    match m.dh_group {
                        DhGroup::Low => 1,
                        DhGroup::Medium => 2,
                        DhGroup::High2048 => GROUP_14,
                    },
                    k.lifetime_minutes.saturating_mul(60),
                );
                im.qm_limit = k.lifetime_sessions;
                im
            })
            .collect(),
    }
}

fn hash_id(h: HashAlg) -> u32 {
    match h {
        HashAlg::Md5 => 1,
        HashAlg::Sha1 => 2,
    }
}

fn auth_entries(auth: &[AuthMethod]) -> Vec<AuthEntry> {
    auth.iter()
        .map(|a| match a {
            AuthMethod::Kerberos => AuthEntry::kerberos(),
            AuthMethod::Certificate { root_ca } => AuthEntry::text(AUTH_CERTIFICATE, root_ca),
            AuthMethod::Preshared { key } => AuthEntry::text(AUTH_PRESHARED, key),
        })
        .collect()
}

fn rule_blob(r: &Rule) -> NfaBlob {
    NfaBlob {
        auth: auth_entries(&r.authentication),
        interface_type: match r.connection {
            ConnectionType::All => INTERFACE_ALL,
            ConnectionType::Lan => INTERFACE_LAN,
            ConnectionType::RemoteAccess => INTERFACE_DIALUP,
        },
        interface_name: String::new(),
        tunnel_addr: r.tunnel.map_or([0; 4], |t| t.octets()),
        is_tunnel: r.tunnel.is_some(),
        is_active: r.active,
        endpoint_name: String::new(),
        tail: vec![0],
    }
}

fn offers(
    methods: &[SecurityMethod],
    soft: bool,
    pfs: bool,
    warnings: &mut BTreeSet<String>,
) -> Vec<Offer> {
    let mut out: Vec<Offer> = methods
        .iter()
        .map(|m| {
            let mut algorithms = Vec::new();
            if let Some(h) = m.ah {
                algorithms.push(Algorithm::new(OFFER_AH, hash_id(h), 0));
            }
            if let Some(e) = m.esp {
                let id = match e.encryption {
                    None => {
                        warnings.insert(
                            "ESP without encryption is written as Algorithm-Identifier 0; \
                             MS-GPIPSEC.md §4.2/§9.4: unconfirmed (the spec's table says 1)"
                                .to_string(),
                        );
                        0
                    }
                    // DES = 1 as in Windows' own default offers (§9.4).
                    Some(Cipher::Des) => 1,
                    Some(Cipher::TripleDes) => 3,
                };
                algorithms.push(Algorithm::new(
                    OFFER_ESP,
                    id,
                    e.integrity.map_or(0, hash_id),
                ));
            }
            Offer {
                lifetime_secs: m.lifetime_secs,
                lifetime_kb: m.lifetime_kb,
                options: 0,
                pfs: u32::from(pfs),
                algorithms,
            }
        })
        .collect();
    if pfs {
        warnings.insert(
            "session-key PFS is written as PFS-QM-Required = 1 in every offer; \
             MS-GPIPSEC.md §4.2/§9.5: the polarity is unconfirmed"
                .to_string(),
        );
    }
    if soft {
        warnings.insert(
            "fall-back to unsecured communication (soft) is written as a last offer with no \
             algorithms, as Windows' own \"Request Security (Optional)\" is; MS-GPIPSEC.md \
             §4.2 calls it unconfirmed"
                .to_string(),
        );
        out.push(Offer {
            lifetime_secs: 0,
            lifetime_kb: 0,
            options: 0,
            pfs: 0,
            algorithms: Vec::new(),
        });
    }
    out
}
