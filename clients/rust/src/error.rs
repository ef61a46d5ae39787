use std::fmt;
use std::path::PathBuf;

use crate::EXTENSION_FILE;

/// Why [`connect`](crate::connect) could not return a connection. Each message says what was
/// attempted, passes DuckDB's own message through, and names the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `connect` was given an empty database name.
    #[error("openduck::connect needs a database name, e.g. openduck::connect(\"mydb\", Options::default())")]
    NoDatabase,

    /// [`Options::alias`](crate::Options::alias) was empty.
    #[error("Options::alias must name the attached database, e.g. \"cloud\" (the default)")]
    NoAlias,

    /// The extension file is not where the lookup led.
    #[error(
        "cannot find the OpenDuck extension: looked at {} ({origin}); set OPENDUCK_EXTENSION_PATH \
         (or Options::extension_path) to a built {EXTENSION_FILE} (OpenDuck's build writes build/{EXTENSION_FILE})",
        path.display()
    )]
    ExtensionNotFound {
        /// The path that was checked.
        path: PathBuf,
        /// Where that path came from.
        origin: ExtensionOrigin,
    },

    /// The DuckDB library this program runs is not the one the extension was built for.
    #[error(
        "the OpenDuck extension works with DuckDB v{expected}, but this program runs DuckDB {found}: \
         link DuckDB v{expected}'s libduckdb.so (scripts/setup.sh installs it; DUCKDB_LIB_DIR chooses the \
         library at build time, LD_LIBRARY_PATH at run time)"
    )]
    DuckDbVersion {
        /// The version the extension needs, e.g. `1.4.4`.
        expected: &'static str,
        /// What `SELECT version()` answered, e.g. `v1.3.2`.
        found: String,
    },

    /// DuckDB itself could not be opened (the local database file, or an in-memory one).
    #[error("opening DuckDB ({target}): {duckdb}")]
    Open {
        /// `in memory`, or the local database file.
        target: String,
        /// DuckDB's error.
        duckdb: duckdb::Error,
    },

    /// DuckDB refused to load the extension file.
    #[error("loading the OpenDuck extension {}: {duckdb}", path.display())]
    LoadExtension {
        /// The extension file.
        path: PathBuf,
        /// DuckDB's error.
        duckdb: duckdb::Error,
    },

    /// ATTACH failed: the server could not be reached, refused the token, has no such
    /// database, or failed otherwise ([`AttachFailure`] tells which).
    #[error("attaching OpenDuck database '{database}' at {endpoint}: {duckdb}{}", failure.hint())]
    Attach {
        /// What kind of failure it was.
        failure: AttachFailure,
        /// The database name given to `connect`.
        database: String,
        /// The endpoint it was attached from.
        endpoint: String,
        /// DuckDB's error, holding the extension's message.
        duckdb: duckdb::Error,
    },

    /// `USE <alias>` failed after the database was attached.
    #[error("selecting the attached database with USE \"{alias}\": {duckdb}")]
    Use {
        /// The attachment's name.
        alias: String,
        /// DuckDB's error.
        duckdb: duckdb::Error,
    },
}

/// Where the extension path in [`Error::ExtensionNotFound`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionOrigin {
    /// [`Options::extension_path`](crate::Options::extension_path).
    Options,
    /// The `OPENDUCK_EXTENSION_PATH` environment variable.
    Environment,
    /// The OpenDuck source tree this crate was compiled in (`<checkout>/build/`).
    SourceTree,
}

impl fmt::Display for ExtensionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Options => "from Options::extension_path",
            Self::Environment => "from OPENDUCK_EXTENSION_PATH",
            Self::SourceTree => {
                "the source build tree this crate was compiled in; neither Options::extension_path \
                 nor OPENDUCK_EXTENSION_PATH is set"
            }
        })
    }
}

/// The kind of an [`Error::Attach`], read from the extension's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttachFailure {
    /// Nothing answered at the endpoint.
    Unreachable,
    /// The server refused the token.
    Authentication,
    /// The server does not serve a database of that name.
    UnknownDatabase,
    /// Anything else; DuckDB's message says what.
    Other,
}

impl AttachFailure {
    /// Classifies a message of the OpenDuck extension (src/extension/client and src/rpc word
    /// these; the e2e tests pin them).
    pub(crate) fn of(message: &str) -> Self {
        if message.contains("cannot reach OpenDuck") {
            Self::Unreachable
        } else if message.contains("authentication failed") {
            Self::Authentication
        } else if message.contains("does not exist on this OpenDuck server") {
            Self::UnknownDatabase
        } else {
            Self::Other
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Self::Unreachable => {
                " (is the server running there? check Options::endpoint or OPENDUCK_ENDPOINT)"
            }
            Self::Authentication => " (check Options::token or OPENDUCK_TOKEN)",
            Self::UnknownDatabase => " (check the database name passed to openduck::connect)",
            Self::Other => "",
        }
    }
}
