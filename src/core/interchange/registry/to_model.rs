//! Stored objects -> model: each policy with its ISAKMP object, rules (NFAs with a filter
//! list) and default response rule (the NFA without one); every filter list and standard
//! filter action. Each model object keeps the values it was read from (`stored`), with the
//! fingerprint of what ipsedit would write for it, so it is written back byte for byte
//! while unedited. Objects nothing uses (Windows' "Version Information Object") are kept
//! as read in `Snapshot::unreferenced` (an export writes them back), with a note; one read
//! without registry values (from a directory) is left out. A referenced object that is
//! missing or does not decode is an error naming it.

use std::collections::HashMap;
use std::fmt;
use std::net::Ipv4Addr;

use uuid::Uuid;

use super::filter::FilterBlob;
use super::from_model::{
    DERIVE_DR_ACTION, DERIVE_DR_RULE, DERIVE_ISAKMP, default_main_mode, default_response_methods,
    derive, fingerprint, fresh_objects,
};
use super::guids::*;
use super::negotiation::{NegotiationBlob, OFFER_AH, OFFER_ESP, Offer};
use super::nfa::*;
use super::objects::{Class, ObjRef, RawObject};
use super::policy_blob::{GROUP_14, IsakmpBlob, PolicyBlob};
use super::wire::BlobError;
use crate::core::model::{
    AuthMethod, Behavior, Cipher, ConnectionType, DefaultResponse, DhGroup, Esp, FilterAction,
    FilterList, HashAlg, KeyExchange, MainModeMethod, Policy, Rule, SecurityMethod, Snapshot,
    StoredObject, UnreferencedObject,
};

/// A store's objects and its assignment, as read from one location.
#[derive(Debug, Clone, Default)]
pub struct ObjectSet {
    /// The registry path the objects were read from (written into `stored`).
    pub location: String,
    pub objects: Vec<RawObject>,
    pub active: Option<ObjRef>,
}

/// The static part of a snapshot read from objects, and what was left out or guessed.
#[derive(Debug, Clone)]
pub struct Read {
    pub snapshot: Snapshot,
    pub notes: Vec<String>,
}

/// An object that cannot be read: which, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub object: String,
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.object, self.message)
    }
}

fn err(o: &ObjRef, message: impl Into<String>) -> ReadError {
    ReadError {
        object: o.key_name(),
        message: message.into(),
    }
}

fn blob_err(o: &ObjRef, e: BlobError) -> ReadError {
    err(o, format!("ipsecData does not decode {e}"))
}

/// Reads a set of objects into a snapshot (policies, filter lists, filter actions, the
/// assignment; no dynamic rules, default host).
pub fn read_objects(set: &ObjectSet) -> Result<Read, ReadError> {
    let mut notes = Vec::new();
    let by_ref: HashMap<ObjRef, &RawObject> =
        set.objects.iter().map(|o| (o.reference(), o)).collect();
    let mut used: HashMap<ObjRef, bool> = HashMap::new();
    let stored = |o: &RawObject| -> Option<StoredObject> {
        (!o.values.is_empty()).then(|| StoredObject {
            location: set.location.clone(),
            fingerprint: 0,
            values: o.values.clone(),
        })
    };
    let get = |from: &ObjRef, r: &ObjRef| -> Result<&RawObject, ReadError> {
        by_ref.get(r).copied().ok_or_else(|| {
            err(
                from,
                format!("it references {}, which is not in the store", r.key_name()),
            )
        })
    };
    let mut snap = Snapshot::default();
    // Filter lists and standard filter actions first: all of them, used or not.
    for o in &set.objects {
        let r = o.reference();
        match o.class {
            Class::Filter => {
                let blob = FilterBlob::decode(&o.data).map_err(|e| blob_err(&r, e))?;
                snap.filter_lists.push(FilterList {
                    id: o.id,
                    name: o.name.clone().unwrap_or_default(),
                    description: o.description.clone().unwrap_or_default(),
                    filters: super::filters_map::filters(&blob.filters),
                    stored: stored(o),
                });
            }
            Class::NegotiationPolicy if o.negotiation_type != Some(TYPE_DEFAULT_RESPONSE) => {
                let blob = NegotiationBlob::decode(&o.data).map_err(|e| blob_err(&r, e))?;
                let (behavior, inpass) = match o.action {
                    Some(a) if a == ACTION_BLOCK => (Behavior::Block, false),
                    Some(a) if a == ACTION_PERMIT => (Behavior::Permit, false),
                    Some(a) if a == ACTION_INBOUND_PASSTHRU => (Behavior::Negotiate, true),
                    Some(a) if a == ACTION_SECURE => (Behavior::Negotiate, false),
                    other => {
                        notes.push(format!(
                            "{r}: action {} is not one of the four known ones; read as \
                             negotiate",
                            other.map_or("(none)".to_string(), super::wire::braced)
                        ));
                        (Behavior::Negotiate, false)
                    }
                };
                let (methods, soft, pfs) = methods(&blob.offers);
                let mut a = FilterAction::new(o.name.clone().unwrap_or_default(), behavior);
                a.id = o.id;
                a.description = o.description.clone().unwrap_or_default();
                a.methods = methods;
                a.soft = soft;
                a.session_key_pfs = pfs;
                a.inpass = inpass;
                a.negotiation_type = o.negotiation_type.filter(|t| *t != TYPE_STANDARD);
                a.stored = stored(o);
                snap.filter_actions.push(a);
            }
            _ => {}
        }
    }
    for o in set.objects.iter().filter(|o| o.class == Class::Policy) {
        let pref = o.reference();
        let blob = PolicyBlob::decode(&o.data).map_err(|e| blob_err(&pref, e))?;
        let mut p = Policy::new(o.name.clone().unwrap_or_default());
        p.id = o.id;
        p.description = o.description.clone().unwrap_or_default();
        p.polling_interval_min = if blob.polling_secs == 0 {
            180
        } else {
            blob.polling_secs / 60
        };
        p.stored = stored(o);
        if let Some(ir) = &o.isakmp {
            let io = get(&pref, ir)?;
            used.insert(*ir, true);
            let ib = IsakmpBlob::decode(&io.data).map_err(|e| blob_err(ir, e))?;
            p.key_exchange = key_exchange(&ib);
            p.key_exchange.id = (io.id != derive(p.id, DERIVE_ISAKMP)).then_some(io.id);
            p.key_exchange.stored = stored(io);
        }
        let mut dr_seen = false;
        for nr in &o.nfas {
            let no = get(&pref, nr)?;
            used.insert(*nr, true);
            let nb = NfaBlob::decode(&no.data).map_err(|e| blob_err(nr, e))?;
            let Some(ar) = no.negotiation_policy else {
                notes.push(format!("{nr}: a rule without a filter action; left out"));
                continue;
            };
            let ao = get(nr, &ar)?;
            used.insert(ar, true);
            let (authentication, auth_notes) = auth(&nb.auth);
            notes.extend(auth_notes.into_iter().map(|n| format!("{nr}: {n}")));
            if no.filters.is_empty() {
                if dr_seen {
                    notes.push(format!(
                        "{nr}: a second default response rule in {pref}; left out"
                    ));
                    continue;
                }
                dr_seen = true;
                let ab = NegotiationBlob::decode(&ao.data).map_err(|e| blob_err(&ar, e))?;
                let (m, _, pfs) = methods(&ab.offers);
                p.default_response = DefaultResponse {
                    active: nb.is_active,
                    authentication,
                    methods: if m == default_response_methods() {
                        Vec::new()
                    } else {
                        m
                    },
                    session_key_pfs: pfs,
                    rule_id: (no.id != derive(p.id, DERIVE_DR_RULE)).then_some(no.id),
                    action_id: (ao.id != derive(p.id, DERIVE_DR_ACTION)).then_some(ao.id),
                    rule_stored: stored(no),
                    action_stored: stored(ao),
                };
                continue;
            }
            if no.filters.len() > 1 {
                notes.push(format!(
                    "{nr}: the rule names {} filter lists; ipsedit keeps the first ({})",
                    no.filters.len(),
                    no.filters[0]
                ));
            }
            let fr = no.filters[0];
            get(nr, &fr)?;
            used.insert(fr, true);
            if ao.negotiation_type == Some(TYPE_DEFAULT_RESPONSE) {
                return Err(err(
                    nr,
                    format!(
                        "it has a filter list but its action {ar} is a default-response \
                         action; ipsedit cannot hold that combination"
                    ),
                ));
            }
            if !nb.interface_name.is_empty() || !nb.endpoint_name.is_empty() {
                notes.push(format!(
                    "{nr}: interface name {:?} / tunnel end-point name {:?} are kept only \
                     while the rule is not edited",
                    nb.interface_name, nb.endpoint_name
                ));
            }
            p.rules.push(Rule {
                id: no.id,
                name: no.name.clone().unwrap_or_default(),
                description: no.description.clone().unwrap_or_default(),
                filter_list: fr.id,
                filter_action: ar.id,
                authentication,
                tunnel: nb.is_tunnel.then(|| Ipv4Addr::from(nb.tunnel_addr)),
                connection: match nb.interface_type {
                    INTERFACE_LAN => ConnectionType::Lan,
                    INTERFACE_DIALUP => ConnectionType::RemoteAccess,
                    _ => ConnectionType::All,
                },
                active: nb.is_active,
                stored: stored(no),
            });
        }
        if !dr_seen {
            notes.push(format!(
                "{pref} has no default response rule; it is read as an inactive one"
            ));
        }
        snap.policies.push(p);
    }
    for o in &set.objects {
        let r = o.reference();
        let orphan = matches!(o.class, Class::Nfa | Class::Isakmp)
            || (o.class == Class::NegotiationPolicy
                && o.negotiation_type == Some(TYPE_DEFAULT_RESPONSE));
        if orphan && !used.contains_key(&r) {
            let kept = !o.values.is_empty();
            if kept {
                snap.unreferenced.push(UnreferencedObject {
                    key: r.key_name(),
                    stored: StoredObject {
                        location: set.location.clone(),
                        fingerprint: 0,
                        values: o.values.clone(),
                    },
                });
            }
            notes.push(format!(
                "{r}{} is used by no policy; {}",
                o.name
                    .as_ref()
                    .map(|n| format!(" ({n:?})"))
                    .unwrap_or_default(),
                if kept {
                    "kept as read (an export writes it back unchanged)"
                } else {
                    "left out"
                }
            ));
        }
    }
    if let Some(a) = set.active {
        if a.class == Class::Policy && snap.policy(a.id).is_some() {
            snap.assigned = Some(a.id);
        } else {
            notes.push(format!(
                "ActivePolicy names {a}, which is not a policy in the store; nothing is \
                 assigned"
            ));
        }
    }
    set_fingerprints(&mut snap, &set.location);
    Ok(Read {
        snapshot: snap,
        notes,
    })
}

/// Gives every `stored` the fingerprint of what ipsedit writes for its object now.
pub fn set_fingerprints(snap: &mut Snapshot, location: &str) {
    let mut w = Default::default();
    let prints: HashMap<ObjRef, u64> = fresh_objects(snap, None, &mut w)
        .into_iter()
        .map(|f| {
            (
                f.object.reference(),
                fingerprint(&f.object.to_values(location)),
            )
        })
        .collect();
    let fp = |class, id: Uuid| prints.get(&ObjRef::new(class, id)).copied().unwrap_or(0);
    for p in &mut snap.policies {
        let pid = p.id;
        if let Some(s) = &mut p.stored {
            s.fingerprint = fp(Class::Policy, pid);
        }
        let kid = p.key_exchange.id.unwrap_or(derive(pid, DERIVE_ISAKMP));
        if let Some(s) = &mut p.key_exchange.stored {
            s.fingerprint = fp(Class::Isakmp, kid);
        }
        for r in &mut p.rules {
            let rid = r.id;
            if let Some(s) = &mut r.stored {
                s.fingerprint = fp(Class::Nfa, rid);
            }
        }
        let dr = &mut p.default_response;
        let rid = dr.rule_id.unwrap_or(derive(pid, DERIVE_DR_RULE));
        let aid = dr.action_id.unwrap_or(derive(pid, DERIVE_DR_ACTION));
        if let Some(s) = &mut dr.rule_stored {
            s.fingerprint = fp(Class::Nfa, rid);
        }
        if let Some(s) = &mut dr.action_stored {
            s.fingerprint = fp(Class::NegotiationPolicy, aid);
        }
    }
    for l in &mut snap.filter_lists {
        let id = l.id;
        if let Some(s) = &mut l.stored {
            s.fingerprint = fp(Class::Filter, id);
        }
    }
    for a in &mut snap.filter_actions {
        let id = a.id;
        if let Some(s) = &mut a.stored {
            s.fingerprint = fp(Class::NegotiationPolicy, id);
        }
    }
}

fn cipher(id: u32) -> Option<Cipher> {
    match id {
        1 => Some(Cipher::Des),
        2 | 3 => Some(Cipher::TripleDes),
        _ => None,
    }
}

fn hash(id: u32) -> Option<HashAlg> {
    match id {
        1 => Some(HashAlg::Md5),
        2 => Some(HashAlg::Sha1),
        _ => None,
    }
}

fn key_exchange(b: &IsakmpBlob) -> KeyExchange {
    let mut methods = Vec::new();
    // New-DH offers (group 14) come first.
    for d in b.new_dh.iter().take_while(|d| **d != 0) {
        let (encryption, integrity) = match d {
            1 => (Cipher::Des, HashAlg::Md5),
            2 => (Cipher::Des, HashAlg::Sha1),
            3 => (Cipher::TripleDes, HashAlg::Md5),
            _ => (Cipher::TripleDes, HashAlg::Sha1),
        };
        methods.push(MainModeMethod {
            encryption,
            integrity,
            dh_group: DhGroup::High2048,
        });
    }
    for m in &b.methods {
        let method = match m.random_function {
            1 => Some((Cipher::Des, HashAlg::Md5, DhGroup::High2048)),
            2 => Some((Cipher::Des, HashAlg::Sha1, DhGroup::High2048)),
            3 => Some((Cipher::TripleDes, HashAlg::Md5, DhGroup::High2048)),
            4 => Some((Cipher::TripleDes, HashAlg::Sha1, DhGroup::High2048)),
            _ => {
                let group = match m.group {
                    1 => Some(DhGroup::Low),
                    2 => Some(DhGroup::Medium),
                    GROUP_14 => Some(DhGroup::High2048),
                    _ => None,
                };
                match (cipher(m.encryption), hash(m.hash), group) {
                    (Some(c), Some(h), Some(g)) => Some((c, h, g)),
                    _ => None,
                }
            }
        };
        if let Some((encryption, integrity, dh_group)) = method {
            methods.push(MainModeMethod {
                encryption,
                integrity,
                dh_group,
            });
        }
    }
    let lifetime_secs = if b.mm_lifetime != 0 {
        b.mm_lifetime
    } else {
        b.methods.first().map_or(0, |m| m.lifetime_secs)
    };
    KeyExchange {
        master_key_pfs: b.master_pfs,
        lifetime_minutes: if lifetime_secs == 0 {
            480
        } else {
            lifetime_secs / 60
        },
        lifetime_sessions: b.qm_limit,
        methods: if methods == default_main_mode() {
            Vec::new()
        } else {
            methods
        },
        cert_to_account: b.options & 1 != 0,
        no_cert_request: b.options & 2 != 0,
        id: None,
        stored: None,
    }
}

/// Offers -> (methods, soft, pfs). A last offer of no algorithms is the fall-back.
fn methods(offers: &[Offer]) -> (Vec<SecurityMethod>, bool, bool) {
    let mut soft = false;
    let mut out = Vec::new();
    for o in offers {
        if o.algorithms.is_empty() {
            soft = true;
            continue;
        }
        let mut m = SecurityMethod {
            ah: None,
            esp: None,
            lifetime_kb: o.lifetime_kb,
            lifetime_secs: o.lifetime_secs,
        };
        for a in &o.algorithms {
            match a.kind {
                OFFER_AH => m.ah = hash(a.id),
                OFFER_ESP => {
                    m.esp = Some(Esp {
                        encryption: cipher(a.id),
                        integrity: hash(a.integrity),
                    })
                }
                _ => {}
            }
        }
        out.push(m);
    }
    let pfs = offers
        .iter()
        .any(|o| !o.algorithms.is_empty() && o.pfs != 0);
    (out, soft, pfs)
}

fn auth(entries: &[AuthEntry]) -> (Vec<AuthMethod>, Vec<String>) {
    let mut notes = Vec::new();
    let methods = entries
        .iter()
        .filter_map(|a| match a.kind {
            AUTH_KERBEROS => Some(AuthMethod::Kerberos),
            AUTH_PRESHARED => Some(AuthMethod::Preshared { key: a.data_text() }),
            AUTH_CERTIFICATE => Some(AuthMethod::Certificate {
                root_ca: a.data_text(),
            }),
            other => {
                notes.push(format!("authentication type {other} is unknown; left out"));
                None
            }
        })
        .collect();
    (methods, notes)
}
