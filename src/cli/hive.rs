//! `--from PATH/SOFTWARE`: an offline registry hive (placeholder until the hive reader).

use std::path::Path;

use super::CliError;
use crate::core::model::Snapshot;

pub fn load(path: &Path, _store: Option<&str>) -> Result<Snapshot, CliError> {
    Err(CliError::Invalid(format!(
        "{}: registry hives are not read yet",
        path.display()
    )))
}
