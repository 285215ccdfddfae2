//! `SqliteStore`: the local store, one SQLite database `STORE/store.db`.
//!
//! ```text
//! STORE/                        0700, created by the first save
//!   store.db                    0600; with store.db-wal / store.db-shm while in use
//!   MIGRATED-TO-SQLITE.txt      only in a RON store that was migrated (the RON files stay)
//! ```
//!
//! Tables: `meta` (format, current revision), `objects` (the current state: one row per
//! object of `change`, keyed by kind, parent and position, with GUID and name indexed
//! and a JSON payload), `revisions` (number, time, summary, user@host) and `changes`
//! (for each revision, the previous value of every object it changed; NULL when the
//! object did not exist), so history costs the size of the edits and the state at
//! revision N is the current state with the later revisions undone. WAL,
//! `synchronous=FULL`, foreign keys on. A save is one `BEGIN IMMEDIATE` transaction that
//! compares the revision, writes only what changed and records the revision.
//!
//! Never through a link: the database and its `-wal`/`-shm` are checked with `lstat` (so
//! the message names the link) and opened with SQLite's no-follow flag; the database is
//! created exclusively with mode 0600 (SQLite gives `-wal`/`-shm` the same mode). Writing
//! into a group- or world-writable directory, or one another user owns, is refused;
//! reading is allowed. Owns the SQL; the object layout is `change`'s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::change::{ChangeSet, Key, Kind, Object, Recomposer, recompose};
use super::file::FileStore;
use super::{
    Loaded, Revision, RevisionInfo, Store, StoreError, Version, next_revision, one_line, unix_now,
};
use crate::core::model::Snapshot;

/// The database file inside the store directory.
pub const DB_FILE: &str = "store.db";
const NOTE_FILE: &str = "MIGRATED-TO-SQLITE.txt";
const RON_FILE: &str = "store.ron";
/// The object layout: 2 stores each rule as a row of its own; 1 kept a policy's rules in
/// its payload (a one-rule edit of a 100,000-rule policy rewrote 26 MB and kept the old
/// 26 MB in history). Format 1 is read as is and upgraded by the next save.
const FORMAT: &str = "2";
const FORMAT_1: &str = "1";

/// Ordinary rowid tables, never `WITHOUT ROWID`: a policy's row holds all its rules, and a
/// `WITHOUT ROWID` table keeps whole rows in its key B-tree, where SQLite copies an
/// overflowing row at each key comparison that reaches it (see `upgrade_tables`).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revisions (
    rev INTEGER PRIMARY KEY,
    saved_at INTEGER NOT NULL,
    summary TEXT NOT NULL,
    who TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    parent TEXT NOT NULL,
    pos INTEGER NOT NULL,
    guid TEXT NOT NULL,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (kind, parent, pos)
);
CREATE INDEX IF NOT EXISTS objects_guid ON objects (guid);
CREATE INDEX IF NOT EXISTS objects_name ON objects (kind, name);
CREATE TABLE IF NOT EXISTS changes (
    rev INTEGER NOT NULL REFERENCES revisions (rev) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    parent TEXT NOT NULL,
    pos INTEGER NOT NULL,
    guid TEXT,
    name TEXT,
    payload TEXT,
    PRIMARY KEY (rev, kind, parent, pos)
);
";

/// What opening a directory did about an older RON store in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Migration {
    /// Nothing to migrate (a database already, or an empty directory).
    None,
    /// `store.ron` at this revision became the database's first revision.
    FromRon { revision: Revision },
}

pub struct SqliteStore {
    dir: PathBuf,
}

impl SqliteStore {
    /// Opens (does not create) the store at `dir`; it is created on first save.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        SqliteStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Database {
            path: self.db_path(),
            message: e.to_string(),
        }
    }

    /// True when the directory holds a database.
    pub fn exists(&self) -> bool {
        std::fs::symlink_metadata(self.db_path()).is_ok()
    }

    /// A RON store in the directory becomes the database, once: its current state is the
    /// first revision, with the same number. The RON files are left untouched and a note
    /// file, written after the database commits, says what happened. Safe against a crash
    /// at any point (a database without a revision is migrated again; a missing note is
    /// written) and against two processes migrating at once (the second finds revision
    /// 1+ and leaves it).
    pub fn migrate_if_needed(&self) -> Result<Migration, StoreError> {
        let ron = self.dir.join(RON_FILE);
        let note = self.dir.join(NOTE_FILE);
        if std::fs::symlink_metadata(&ron).is_err() || std::fs::symlink_metadata(&note).is_ok() {
            return Ok(Migration::None);
        }
        let mut migrated = Migration::None;
        if self.revision()? == 0 {
            let loaded = FileStore::open(&self.dir).load()?;
            super::check_revision(loaded.revision, &ron)?;
            let revision = loaded.revision.max(1);
            let changes = ChangeSet::between(&Snapshot::default(), &loaded.snapshot)?;
            match self.write(
                Some(0),
                Some(revision),
                &changes,
                &format!("migrated from store.ron (revision {})", loaded.revision),
            ) {
                Ok(_) => {
                    migrated = Migration::FromRon {
                        revision: loaded.revision,
                    }
                }
                // Another process migrated it meanwhile.
                Err(StoreError::Stale { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if std::fs::symlink_metadata(&note).is_err() {
            let text = format!(
                "This store moved to {DB_FILE} (SQLite) at Unix time {}: ipsedit reads and \
                 writes only {DB_FILE} here now.\n{RON_FILE} and history/ are the RON store it \
                 came from, left untouched; a {RON_FILE} changed after this is reported, never \
                 read.\nA RON copy of the current state: ipsedit --store DIR export ron > \
                 store.ron\n",
                unix_now()
            );
            match super::atomic::create_private(&note, text.as_bytes()) {
                Err(StoreError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists => {}
                other => other?,
            }
        }
        Ok(migrated)
    }

    /// The current revision (0 for no database, or one never saved), without loading.
    pub fn revision(&self) -> Result<Revision, StoreError> {
        let Some(conn) = self.connect(false)? else {
            return Ok(0);
        };
        if !has_schema(&conn).map_err(|e| self.err(e))? {
            return Ok(0);
        }
        self.current_revision(&conn)
    }

    /// A warning when `store.ron` was changed after the store moved to the database (an
    /// old ipsedit, or a hand edit): it is not read.
    pub fn stale_ron_warning(&self) -> Option<String> {
        let ron = std::fs::symlink_metadata(self.dir.join(RON_FILE)).ok()?;
        let note = std::fs::symlink_metadata(self.dir.join(NOTE_FILE)).ok()?;
        if ron.modified().ok()? > note.modified().ok()? {
            Some(format!(
                "{}: changed after this store moved to {DB_FILE}; it is not read (see {}): \
                 to bring its content in, run `ipsedit --from {} --store DIR`",
                self.dir.join(RON_FILE).display(),
                self.dir.join(NOTE_FILE).display(),
                self.dir.join(RON_FILE).display(),
            ))
        } else {
            None
        }
    }

    /// Refuses a link where the database or its companions are, naming it.
    fn refuse_links(&self) -> Result<(), StoreError> {
        for name in [DB_FILE, "store.db-wal", "store.db-shm", "store.db-journal"] {
            let path = self.dir.join(name);
            if let Ok(meta) = std::fs::symlink_metadata(&path)
                && meta.file_type().is_symlink()
            {
                return Err(StoreError::Link { path });
            }
        }
        Ok(())
    }

    /// The connection, or `None` when there is no database and `create` is false.
    fn connect(&self, create: bool) -> Result<Option<Connection>, StoreError> {
        self.refuse_links()?;
        if !self.exists() {
            if !create {
                return Ok(None);
            }
            super::atomic::create_private_dir(&self.dir)?;
            super::atomic::check_writable_dir(&self.dir)?;
            super::atomic::create_private(&self.db_path(), b"")?;
        } else if create {
            super::atomic::check_writable_dir(&self.dir)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NOFOLLOW
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(self.db_path(), flags).map_err(|e| self.err(e))?;
        conn.busy_timeout(Duration::from_secs(60))
            .map_err(|e| self.err(e))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .map_err(|e| self.err(e))?;
        if create {
            // A save looks rows up by key all over the tables: through a memory map (up
            // to 256 MiB) each page is read once. A load reads the table once in storage
            // order, where pread is as fast and its pages do not count in the process's
            // memory (a map of a 150 MB database did: 290 MB resident for `show`). The
            // page cache (128 MiB at most, allocated as used) holds a large transaction,
            // which otherwise spilled to the WAL and was read back (import of 100,000
            // terms: sys time 6.4 -> 2.4 s).
            conn.execute_batch("PRAGMA mmap_size = 268435456; PRAGMA cache_size = -131072;")
                .map_err(|e| self.err(e))?;
            conn.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
        }
        Ok(Some(conn))
    }

    fn current_revision(&self, conn: &Connection) -> Result<Revision, StoreError> {
        let value: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'revision'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        match value {
            None => Ok(0),
            Some(v) => v.parse().map_err(|_| StoreError::Corrupt {
                path: self.db_path(),
                message: format!("the current revision {v:?} is not a number"),
            }),
        }
    }

    fn format(&self, conn: &Connection) -> Result<Option<String>, StoreError> {
        conn.query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| self.err(e))
    }

    /// The rows that turn every format-1 policy row (rules in its payload) into format 2.
    fn split_policies(&self, conn: &Connection) -> Result<Vec<(Key, Object)>, StoreError> {
        let mut stmt = conn
            .prepare("SELECT pos, guid, payload FROM objects WHERE kind = 'policy'")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let pos = self.pos(row.get(0).map_err(|e| self.err(e))?)?;
            let guid: String = row.get(1).map_err(|e| self.err(e))?;
            let payload: String = row.get(2).map_err(|e| self.err(e))?;
            if let Some(objects) = super::change::split_policy(pos, &guid, &payload)? {
                out.extend(objects);
            }
        }
        Ok(out)
    }

    fn check_format(&self, conn: &Connection) -> Result<(), StoreError> {
        let format = self.format(conn)?;
        match format.as_deref() {
            None | Some(FORMAT) | Some(FORMAT_1) => Ok(()),
            Some(other) => Err(StoreError::Corrupt {
                path: self.db_path(),
                message: format!(
                    "written by a newer ipsedit (format {other}, this one reads {FORMAT}): \
                     upgrade ipsedit"
                ),
            }),
        }
    }

    /// Rebuilds `objects` and `changes` as ordinary rowid tables when an older ipsedit made
    /// them `WITHOUT ROWID`, inside the save's transaction (so a failed save keeps the old
    /// tables). In a `WITHOUT ROWID` table the whole row sits in the key B-tree, and SQLite
    /// copies an overflowing row whole at each key comparison that reaches it: a policy's
    /// row holds all its rules (~260 bytes a rule), so saving a policy of N rules cost
    /// O(N²) (10,000 rules: 22 s, now 1.3 s). Same columns and keys, so nothing else changes.
    fn upgrade_tables(&self, conn: &Connection) -> Result<(), StoreError> {
        let old: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
                 AND name IN ('objects', 'changes') AND sql LIKE '%WITHOUT ROWID%'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if old == 0 {
            return Ok(());
        }
        conn.execute_batch(
            "ALTER TABLE objects RENAME TO objects_without_rowid; \
             ALTER TABLE changes RENAME TO changes_without_rowid; \
             DROP INDEX IF EXISTS objects_guid; DROP INDEX IF EXISTS objects_name;",
        )
        .map_err(|e| self.err(e))?;
        conn.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
        conn.execute_batch(
            "INSERT INTO objects (kind, parent, pos, guid, name, payload) \
                 SELECT kind, parent, pos, guid, name, payload FROM objects_without_rowid; \
             INSERT INTO changes (rev, kind, parent, pos, guid, name, payload) \
                 SELECT rev, kind, parent, pos, guid, name, payload FROM changes_without_rowid; \
             DROP TABLE objects_without_rowid; DROP TABLE changes_without_rowid;",
        )
        .map_err(|e| self.err(e))
    }

    fn objects(&self, conn: &Connection) -> Result<BTreeMap<Key, Object>, StoreError> {
        let mut stmt = conn
            .prepare("SELECT kind, parent, pos, guid, name, payload FROM objects")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = BTreeMap::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let kind: String = row.get(0).map_err(|e| self.err(e))?;
            let key = Key {
                kind: self.kind(&kind)?,
                parent: row.get(1).map_err(|e| self.err(e))?,
                pos: self.pos(row.get(2).map_err(|e| self.err(e))?)?,
            };
            let object = Object {
                guid: row.get(3).map_err(|e| self.err(e))?,
                name: row.get(4).map_err(|e| self.err(e))?,
                payload: row.get(5).map_err(|e| self.err(e))?,
            };
            out.insert(key, object);
        }
        Ok(out)
    }

    /// The current snapshot, decoded straight from the rows (no map of keyed copies, no
    /// owned strings per row): the load path. The rows are read in storage order, one
    /// sequential pass; the `Recomposer` puts them in key order. (`ORDER BY` the key
    /// walked the key index and fetched each row from the table at random: 0.7 s instead
    /// of 0.24 s for the 300,002 rows of an Aerleon-shaped policy of 100,000 terms.)
    fn current_snapshot(&self, conn: &Connection) -> Result<Snapshot, StoreError> {
        let mut stmt = conn
            .prepare("SELECT kind, parent, pos, guid, payload FROM objects")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut r = Recomposer::default();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let str_at = |i: usize| -> Result<&str, StoreError> {
                row.get_ref(i)
                    .and_then(|v| v.as_str().map_err(rusqlite::Error::from))
                    .map_err(|e| self.err(e))
            };
            let kind = self.kind(str_at(0)?)?;
            let pos = self.pos(row.get(2).map_err(|e| self.err(e))?)?;
            r.push(kind, str_at(1)?, pos, str_at(3)?, str_at(4)?)?;
        }
        Ok(r.finish())
    }

    fn kind(&self, s: &str) -> Result<Kind, StoreError> {
        Kind::parse(s).ok_or_else(|| StoreError::Corrupt {
            path: self.db_path(),
            message: format!(
                "an object of unknown kind {:?}: written by a newer ipsedit? upgrade ipsedit",
                crate::core::text::terminal_safe(s)
            ),
        })
    }

    fn pos(&self, n: i64) -> Result<u64, StoreError> {
        u64::try_from(n).map_err(|_| StoreError::Corrupt {
            path: self.db_path(),
            message: format!("an object at position {n}"),
        })
    }

    /// One transaction: compares the revision (`expected`, unless a migration or restore
    /// passes `None`), writes `changes` with the previous values kept, records the
    /// revision (`number`, or the next one).
    fn write(
        &self,
        expected: Option<Revision>,
        number: Option<Revision>,
        changes: &ChangeSet,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        let Some(mut conn) = self.connect(true)? else {
            return Err(StoreError::Corrupt {
                path: self.db_path(),
                message: "the database vanished while opening it".into(),
            });
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        self.check_format(&tx)?;
        self.upgrade_tables(&tx)?;
        let rules_in_policies = self.format(&tx)?.as_deref() == Some(FORMAT_1);
        let found = self.current_revision(&tx)?;
        if let Some(expected) = expected
            && expected != found
        {
            return Err(StoreError::Stale { expected, found });
        }
        let newest: Option<i64> = tx
            .query_row("SELECT max(rev) FROM revisions", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let newest = newest.map_or(Ok(0), |n| self.pos(n))?;
        let revision = match number {
            Some(n) => n,
            None => next_revision(found.max(newest), &self.db_path())?,
        };
        let rev = i64::try_from(revision).map_err(|_| StoreError::Corrupt {
            path: self.db_path(),
            message: format!("revision {revision} is past what the database can hold"),
        })?;
        tx.execute(
            "INSERT INTO revisions (rev, saved_at, summary, who) VALUES (?1, ?2, ?3, ?4)",
            params![
                rev,
                i64::try_from(unix_now()).unwrap_or(i64::MAX),
                one_line(summary),
                who()
            ],
        )
        .map_err(|e| self.err(e))?;
        {
            let mut prev = tx
                .prepare_cached(
                    "SELECT guid, name, payload FROM objects \
                     WHERE kind = ?1 AND parent = ?2 AND pos = ?3",
                )
                .map_err(|e| self.err(e))?;
            // A key is remembered once per revision, with the value it had before the
            // revision: the format upgrade below may touch a key the change set touches
            // again.
            let mut keep = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO changes (rev, kind, parent, pos, guid, name, payload) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(|e| self.err(e))?;
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO objects (kind, parent, pos, guid, name, payload) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(|e| self.err(e))?;
            let mut add = tx
                .prepare_cached(
                    "INSERT INTO objects (kind, parent, pos, guid, name, payload) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                )
                .map_err(|e| self.err(e))?;
            let mut del = tx
                .prepare_cached("DELETE FROM objects WHERE kind = ?1 AND parent = ?2 AND pos = ?3")
                .map_err(|e| self.err(e))?;
            // `absent`: the key is known to be new in this revision (no lookup).
            let mut remember = |key: &Key, absent: bool| -> Result<(), StoreError> {
                let pos = i64::try_from(key.pos).unwrap_or(i64::MAX);
                let old: Option<(String, String, String)> = if absent {
                    None
                } else {
                    prev.query_row(params![key.kind.as_str(), key.parent, pos], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .optional()
                    .map_err(|e| self.err(e))?
                };
                let (g, n, p) = match old {
                    Some((g, n, p)) => (Some(g), Some(n), Some(p)),
                    None => (None, None, None),
                };
                keep.execute(params![rev, key.kind.as_str(), key.parent, pos, g, n, p])
                    .map_err(|e| self.err(e))?;
                Ok(())
            };
            // Format 1 to 2, in this save's transaction and under its revision (so every
            // earlier revision still loads as it was): each policy row holding rules
            // becomes a header and a row per rule, which is what `changes` (made from a
            // snapshot) assumes the database holds.
            let upgrade = if rules_in_policies {
                self.split_policies(&tx)?
            } else {
                Vec::new()
            };
            fn row<'a>(
                key: &'a Key,
                o: &'a Object,
            ) -> (&'a str, &'a str, i64, &'a str, &'a str, &'a str) {
                let pos = i64::try_from(key.pos).unwrap_or(i64::MAX);
                (
                    key.kind.as_str(),
                    &key.parent,
                    pos,
                    &o.guid,
                    &o.name,
                    &o.payload,
                )
            }
            for (key, object) in &upgrade {
                remember(key, false)?;
                put.execute(row(key, object)).map_err(|e| self.err(e))?;
            }
            // An added object is new to the database (the change set was made against
            // the revision just checked): inserted without looking for an old value, its
            // history row says "absent". Should the key be taken after all, the insert
            // does nothing and the object takes the path of a changed one.
            for (key, object) in &changes.added {
                let fresh = add.execute(row(key, object)).map_err(|e| self.err(e))?;
                remember(key, fresh == 1)?;
                if fresh != 1 {
                    put.execute(row(key, object)).map_err(|e| self.err(e))?;
                }
            }
            for (key, object) in &changes.changed {
                remember(key, false)?;
                put.execute(row(key, object)).map_err(|e| self.err(e))?;
            }
            for key in &changes.removed {
                remember(key, false)?;
                let pos = i64::try_from(key.pos).unwrap_or(i64::MAX);
                del.execute(params![key.kind.as_str(), key.parent, pos])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?1), ('revision', ?2)",
            params![FORMAT, revision.to_string()],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(revision)
    }

    /// The objects as they were at `revision`: the current ones with every later
    /// revision's changes undone, newest first.
    fn objects_at(
        &self,
        conn: &Connection,
        revision: Revision,
    ) -> Result<BTreeMap<Key, Object>, StoreError> {
        let mut objects = self.objects(conn)?;
        let rev = i64::try_from(revision).unwrap_or(i64::MAX);
        let mut stmt = conn
            .prepare(
                "SELECT kind, parent, pos, guid, name, payload FROM changes WHERE rev > ?1 \
                 ORDER BY rev DESC",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([rev]).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let kind: String = row.get(0).map_err(|e| self.err(e))?;
            let key = Key {
                kind: self.kind(&kind)?,
                parent: row.get(1).map_err(|e| self.err(e))?,
                pos: self.pos(row.get(2).map_err(|e| self.err(e))?)?,
            };
            let payload: Option<String> = row.get(5).map_err(|e| self.err(e))?;
            match payload {
                None => {
                    objects.remove(&key);
                }
                Some(payload) => {
                    let guid: Option<String> = row.get(3).map_err(|e| self.err(e))?;
                    let name: Option<String> = row.get(4).map_err(|e| self.err(e))?;
                    objects.insert(
                        key,
                        Object {
                            guid: guid.unwrap_or_default(),
                            name: name.unwrap_or_default(),
                            payload,
                        },
                    );
                }
            }
        }
        Ok(objects)
    }

    /// Checkpoints the WAL into the database (for size measurements and backups).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        if let Some(conn) = self.connect(false)? {
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}

/// `user@host` for the history.
fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "?".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "?".into());
    format!("{user}@{}", host.trim())
}

impl Store for SqliteStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        let Some(mut conn) = self.connect(false)? else {
            return Ok(Loaded {
                snapshot: Snapshot::default(),
                revision: 0,
            });
        };
        // One read transaction: the revision and the objects are of the same save.
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        if !has_schema(&tx).map_err(|e| self.err(e))? {
            return Ok(Loaded {
                snapshot: Snapshot::default(),
                revision: 0,
            });
        }
        self.check_format(&tx)?;
        let revision = self.current_revision(&tx)?;
        let snapshot = self.current_snapshot(&tx)?;
        Ok(Loaded { snapshot, revision })
    }

    fn apply(
        &self,
        base: &Version,
        changes: &ChangeSet,
        summary: &str,
    ) -> Result<Revision, StoreError> {
        let expected = base.revision().unwrap_or(0);
        self.write(Some(expected), None, changes, summary)
    }

    fn history(&self) -> Result<Vec<RevisionInfo>, StoreError> {
        let Some(conn) = self.connect(false)? else {
            return Ok(Vec::new());
        };
        if !has_schema(&conn).map_err(|e| self.err(e))? {
            return Ok(Vec::new());
        }
        let current = self.current_revision(&conn)?;
        let mut stmt = conn
            .prepare("SELECT rev, saved_at, summary, who FROM revisions ORDER BY rev DESC")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (rev, saved_at, summary, who) = row.map_err(|e| self.err(e))?;
            let revision = self.pos(rev)?;
            out.push(RevisionInfo {
                revision,
                saved_at: u64::try_from(saved_at).unwrap_or(0),
                summary: format!("{summary} ({who})"),
                current: revision == current,
            });
        }
        Ok(out)
    }

    fn load_revision(&self, revision: Revision) -> Result<Snapshot, StoreError> {
        let Some(mut conn) = self.connect(false)? else {
            return Err(StoreError::NoSuchRevision(revision));
        };
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        if !has_schema(&tx).map_err(|e| self.err(e))? {
            return Err(StoreError::NoSuchRevision(revision));
        }
        let rev = i64::try_from(revision).map_err(|_| StoreError::NoSuchRevision(revision))?;
        let known: Option<i64> = tx
            .query_row("SELECT rev FROM revisions WHERE rev = ?1", [rev], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        if known.is_none() {
            return Err(StoreError::NoSuchRevision(revision));
        }
        recompose(self.objects_at(&tx, revision)?)
    }

    fn restore(&self, revision: Revision) -> Result<Revision, StoreError> {
        let old = self.load_revision(revision)?;
        let current = self.load()?;
        let changes = ChangeSet::between(&current.snapshot, &old)?;
        self.write(
            Some(current.revision),
            None,
            &changes,
            &format!("restore {revision}"),
        )
    }

    fn prune(&self, keep: usize) -> Result<usize, StoreError> {
        let Some(mut conn) = self.connect(true)? else {
            return Ok(0);
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let keep = i64::try_from(keep.max(1)).unwrap_or(i64::MAX);
        // The oldest revision kept; its own changes lead to states before it, which go.
        let oldest: Option<i64> = tx
            .query_row(
                "SELECT rev FROM revisions ORDER BY rev DESC LIMIT 1 OFFSET ?1",
                [keep - 1],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(oldest) = oldest else {
            return Ok(0);
        };
        tx.execute("DELETE FROM changes WHERE rev <= ?1", [oldest])
            .map_err(|e| self.err(e))?;
        let dropped = tx
            .execute("DELETE FROM revisions WHERE rev < ?1", [oldest])
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(dropped)
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

fn has_schema(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'objects'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}
