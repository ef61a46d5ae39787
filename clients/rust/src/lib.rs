//! Rust client for OpenDuck: a plain [`duckdb::Connection`] with the OpenDuck extension loaded
//! and a remote database attached and selected.
//!
//! ```no_run
//! use openduck::Options;
//!
//! // endpoint and token: these options, else OPENDUCK_ENDPOINT and OPENDUCK_TOKEN
//! let con = openduck::connect("mydb", Options {
//!     endpoint: Some("http://localhost:7878".into()),
//!     token: Some("SECRET".into()),
//!     ..Options::default()
//! })?;
//! let n: i64 = con.query_row("SELECT count(*) FROM cloud.users", [], |row| row.get(0))?;
//! let same: i64 = con.query_row("SELECT count(*) FROM users", [], |row| row.get(0))?; // USE cloud
//! assert_eq!(n, same);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The remote database is attached as `cloud` (or [`Options::alias`]) and selected with `USE`,
//! so its tables can be named with or without the prefix and joined with local data (the
//! in-memory database is `memory`; [`Options::local`] opens a database file instead).
//!
//! # Linking
//!
//! The extension is a build of DuckDB 1.4.4 that links `libduckdb.so`, so this crate links that
//! same prebuilt library instead of compiling DuckDB (the `duckdb` crate without `bundled`):
//! `third_party/duckdb-<version>/lib` of the checkout, installed by `scripts/setup.sh`, or
//! `DUCKDB_LIB_DIR` at build time. This crate's tests and examples carry an rpath to it; a
//! program that depends on the crate adds the same (`-Wl,-rpath,<dir>` in its own build script)
//! or runs with `LD_LIBRARY_PATH=<dir>`.

mod error;

use std::env;
use std::fmt;
use std::path::{Path, PathBuf};

use duckdb::{Config, Connection};

pub use error::{AttachFailure, Error, ExtensionOrigin};

/// The DuckDB version the extension is built for, from `scripts/versions.env`
/// (`1.4.4`: the `duckdb` dependency is pinned to it too).
pub const DUCKDB_VERSION: &str = env!("OPENDUCK_DUCKDB_VERSION");

/// File name of the OpenDuck DuckDB extension.
pub const EXTENSION_FILE: &str = "openduck.duckdb_extension";

/// The endpoint used when neither [`Options::endpoint`] nor `OPENDUCK_ENDPOINT` gives one.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:7878";

/// The attachment name used unless [`Options::alias`] says otherwise.
pub const DEFAULT_ALIAS: &str = "cloud";

/// How [`connect`] reaches the server. Unset fields come from the environment or defaults
/// ([`Options::resolve`] shows the result):
///
/// ```
/// let options = openduck::Options { alias: "remote".into(), ..Default::default() };
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    /// The gateway (or `openduck serve`) URL; default: `OPENDUCK_ENDPOINT`, else
    /// [`DEFAULT_ENDPOINT`]. `https://` for a server started with `--tls-cert`.
    pub endpoint: Option<String>,
    /// The client token (`Some("...".into())`); default: `OPENDUCK_TOKEN`.
    pub token: Option<Token>,
    /// The name of the attached remote database, selected with `USE`; default `cloud`.
    pub alias: String,
    /// A local DuckDB database file to open instead of an in-memory database; it stays attached
    /// (under its file stem) next to the remote one.
    pub local: Option<PathBuf>,
    /// The extension file; default: `OPENDUCK_EXTENSION_PATH`, else the `build/` directory of the
    /// OpenDuck checkout this crate was compiled in.
    pub extension_path: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            endpoint: None,
            token: None,
            alias: DEFAULT_ALIAS.to_string(),
            local: None,
            extension_path: None,
        }
    }
}

/// A client token. Its `Debug` output hides it, so options and settings can be logged; errors
/// never contain it either.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The token itself.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl From<String> for Token {
    fn from(token: String) -> Self {
        Token(token)
    }
}

impl From<&str> for Token {
    fn from(token: &str) -> Self {
        Token(token.to_string())
    }
}

/// What [`connect`] uses: [`Options`] with every default filled in.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The server's URL.
    pub endpoint: String,
    /// The client token, if any.
    pub token: Option<Token>,
    /// The attachment's name.
    pub alias: String,
    /// The local database file, if any (else DuckDB runs in memory).
    pub local: Option<PathBuf>,
    /// The extension file, checked to exist.
    pub extension_path: PathBuf,
}

impl Options {
    /// These options with the environment (`OPENDUCK_ENDPOINT`, `OPENDUCK_TOKEN`,
    /// `OPENDUCK_EXTENSION_PATH`) and defaults filling the gaps. Fails if the alias is empty or
    /// the extension file is missing.
    pub fn resolve(&self) -> Result<Settings, Error> {
        self.resolve_with(|name| env::var(name).ok())
    }

    /// [`resolve`](Self::resolve) reading the environment through `var` (unit tests must not
    /// change the process environment: tests run on parallel threads). Empty values count as
    /// unset.
    fn resolve_with(&self, var: impl Fn(&str) -> Option<String>) -> Result<Settings, Error> {
        let var = |name: &str| var(name).filter(|value| !value.is_empty());
        if self.alias.is_empty() {
            return Err(Error::NoAlias);
        }
        let (extension_path, origin) = match (&self.extension_path, var("OPENDUCK_EXTENSION_PATH"))
        {
            (Some(path), _) => (path.clone(), ExtensionOrigin::Options),
            (None, Some(path)) => (PathBuf::from(path), ExtensionOrigin::Environment),
            (None, None) => (source_tree_extension(), ExtensionOrigin::SourceTree),
        };
        if !extension_path.is_file() {
            return Err(Error::ExtensionNotFound {
                path: extension_path,
                origin,
            });
        }
        Ok(Settings {
            endpoint: self
                .endpoint
                .clone()
                .or_else(|| var("OPENDUCK_ENDPOINT"))
                .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
            token: self
                .token
                .clone()
                .or_else(|| var("OPENDUCK_TOKEN").map(Token)),
            alias: self.alias.clone(),
            local: self.local.clone(),
            extension_path,
        })
    }
}

/// `build/openduck.duckdb_extension` of the OpenDuck checkout this crate was compiled in
/// (the crate is `clients/rust` of it).
fn source_tree_extension() -> PathBuf {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("clients/rust has two parents");
    checkout.join("build").join(EXTENSION_FILE)
}

/// Opens a DuckDB connection (in memory, or [`Options::local`]) with unsigned extensions allowed,
/// loads the OpenDuck extension, attaches OpenDuck database `database` as [`Options::alias`]
/// (`cloud` by default) and selects it with `USE`.
///
/// Checks first that the DuckDB this program runs is [`DUCKDB_VERSION`]. Errors say what failed
/// and how to fix it: extension not found, another DuckDB version, server unreachable, token
/// refused, unknown database ([`Error`]).
pub fn connect(database: &str, options: Options) -> Result<Connection, Error> {
    if database.is_empty() {
        return Err(Error::NoDatabase);
    }
    let settings = options.resolve()?;
    let con = open_duckdb(settings.local.as_deref())?;
    con.execute_batch(&format!(
        "LOAD {}",
        quote_literal(&settings.extension_path.to_string_lossy())
    ))
    .map_err(|duckdb| Error::LoadExtension {
        path: settings.extension_path.clone(),
        duckdb,
    })?;
    con.execute_batch(&attach_sql(database, &settings))
        .map_err(|duckdb| Error::Attach {
            failure: AttachFailure::of(&duckdb.to_string()),
            database: database.to_string(),
            endpoint: settings.endpoint.clone(),
            duckdb,
        })?;
    con.execute_batch(&format!("USE {}", quote_identifier(&settings.alias)))
        .map_err(|duckdb| Error::Use {
            alias: settings.alias.clone(),
            duckdb,
        })?;
    Ok(con)
}

/// A connection allowed to load unsigned extensions (DuckDB does not sign OpenDuck's), after
/// checking that the linked DuckDB is the extension's.
fn open_duckdb(local: Option<&Path>) -> Result<Connection, Error> {
    let target = match local {
        Some(path) => path.display().to_string(),
        None => "in memory".to_string(),
    };
    let open_error = |duckdb| Error::Open {
        target: target.clone(),
        duckdb,
    };
    let config = Config::default()
        .allow_unsigned_extensions()
        .map_err(open_error)?;
    let con = match local {
        Some(path) => Connection::open_with_flags(path, config),
        None => Connection::open_in_memory_with_flags(config),
    }
    .map_err(open_error)?;
    let version: String = con
        .query_row("SELECT version()", [], |row| row.get(0))
        .map_err(open_error)?;
    check_duckdb_version(&version)?;
    Ok(con)
}

/// Fails with [`Error::DuckDbVersion`] unless `found` (what `SELECT version()` answers, e.g.
/// `v1.4.4`) is [`DUCKDB_VERSION`].
pub fn check_duckdb_version(found: &str) -> Result<(), Error> {
    if found.strip_prefix('v') == Some(DUCKDB_VERSION) {
        Ok(())
    } else {
        Err(Error::DuckDbVersion {
            expected: DUCKDB_VERSION,
            found: found.to_string(),
        })
    }
}

/// The ATTACH statement; it holds the token, so it never goes into an error message.
fn attach_sql(database: &str, settings: &Settings) -> String {
    let mut options = vec![format!("ENDPOINT {}", quote_literal(&settings.endpoint))];
    if let Some(token) = &settings.token {
        options.push(format!("TOKEN {}", quote_literal(token.secret())));
    }
    format!(
        "ATTACH {} AS {} ({})",
        quote_literal(&format!("openduck:{database}")),
        quote_identifier(&settings.alias),
        options.join(", ")
    )
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn quote_identifier(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod tests;
