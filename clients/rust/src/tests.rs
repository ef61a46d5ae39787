//! Option resolution, SQL building and the version check: no server needed.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

use super::*;

/// A file that exists for the life of the value (an extension stand-in: resolution only checks
/// that the file is there).
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let path = env::temp_dir().join(format!("openduck-rust-{}-{name}", std::process::id()));
        fs::write(&path, b"").expect("writing a temporary file");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn environment(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

/// Options whose extension exists, so resolution gets past the file check.
fn with_extension(extension: &TempFile) -> Options {
    Options {
        extension_path: Some(extension.0.clone()),
        ..Options::default()
    }
}

#[test]
fn defaults_without_options_or_environment() {
    let extension = TempFile::new("defaults");
    let settings = with_extension(&extension)
        .resolve_with(environment(&[]))
        .unwrap();
    assert_eq!(settings.endpoint, "http://localhost:7878");
    assert_eq!(settings.token, None);
    assert_eq!(settings.alias, "cloud");
    assert_eq!(settings.local, None);
}

#[test]
fn the_environment_fills_endpoint_and_token() {
    let extension = TempFile::new("environment");
    let env = environment(&[
        ("OPENDUCK_ENDPOINT", "http://db.example:9000"),
        ("OPENDUCK_TOKEN", "from-env"),
    ]);
    let settings = with_extension(&extension).resolve_with(env).unwrap();
    assert_eq!(settings.endpoint, "http://db.example:9000");
    assert_eq!(settings.token, Some("from-env".into()));
}

#[test]
fn options_win_over_the_environment() {
    let extension = TempFile::new("options");
    let options = Options {
        endpoint: Some("https://db.example:7878".into()),
        token: Some("from-options".into()),
        alias: "remote".into(),
        local: Some("mine.duckdb".into()),
        ..with_extension(&extension)
    };
    let env = environment(&[
        ("OPENDUCK_ENDPOINT", "http://elsewhere:1"),
        ("OPENDUCK_TOKEN", "from-env"),
    ]);
    let settings = options.resolve_with(env).unwrap();
    assert_eq!(settings.endpoint, "https://db.example:7878");
    assert_eq!(settings.token, Some("from-options".into()));
    assert_eq!(settings.alias, "remote");
    assert_eq!(settings.local, Some(PathBuf::from("mine.duckdb")));
}

#[test]
fn empty_environment_variables_count_as_unset() {
    let extension = TempFile::new("empty");
    let env = environment(&[
        ("OPENDUCK_ENDPOINT", ""),
        ("OPENDUCK_TOKEN", ""),
        ("OPENDUCK_EXTENSION_PATH", ""),
    ]);
    let settings = with_extension(&extension).resolve_with(env).unwrap();
    assert_eq!(settings.endpoint, DEFAULT_ENDPOINT);
    assert_eq!(settings.token, None);
    assert_eq!(settings.extension_path, extension.0);
}

#[test]
fn an_empty_alias_is_refused() {
    let extension = TempFile::new("alias");
    let options = Options {
        alias: String::new(),
        ..with_extension(&extension)
    };
    let error = options.resolve_with(environment(&[])).unwrap_err();
    assert!(matches!(error, Error::NoAlias), "{error:?}");
}

#[test]
fn an_empty_database_name_is_refused() {
    let error = connect("", Options::default()).unwrap_err();
    assert!(matches!(error, Error::NoDatabase), "{error:?}");
    assert!(
        error.to_string().contains("needs a database name"),
        "{error}"
    );
}

#[test]
fn the_extension_path_option_wins_over_the_environment() {
    let from_options = TempFile::new("ext-options");
    let from_env = TempFile::new("ext-env");
    let env = environment(&[("OPENDUCK_EXTENSION_PATH", from_env.0.to_str().unwrap())]);
    let settings = with_extension(&from_options).resolve_with(env).unwrap();
    assert_eq!(settings.extension_path, from_options.0);
}

#[test]
fn the_environment_wins_over_the_source_tree() {
    let from_env = TempFile::new("ext-env-only");
    let env = environment(&[("OPENDUCK_EXTENSION_PATH", from_env.0.to_str().unwrap())]);
    let settings = Options::default().resolve_with(env).unwrap();
    assert_eq!(settings.extension_path, from_env.0);
}

#[test]
fn a_missing_extension_names_where_it_looked_and_the_variable() {
    let missing = env::temp_dir().join("openduck-rust-no-such.duckdb_extension");
    let cases = [
        (
            Options {
                extension_path: Some(missing.clone()),
                ..Options::default()
            },
            vec![],
            ExtensionOrigin::Options,
        ),
        (
            Options::default(),
            vec![("OPENDUCK_EXTENSION_PATH", missing.to_str().unwrap())],
            ExtensionOrigin::Environment,
        ),
    ];
    for (options, pairs, expected_origin) in cases {
        match options.resolve_with(environment(&pairs)) {
            Err(error @ Error::ExtensionNotFound { .. }) => {
                let message = error.to_string();
                let Error::ExtensionNotFound { path, origin } = error else {
                    unreachable!()
                };
                assert_eq!((path, origin), (missing.clone(), expected_origin));
                assert!(message.contains(missing.to_str().unwrap()), "{message}");
                assert!(message.contains("set OPENDUCK_EXTENSION_PATH"), "{message}");
            }
            other => panic!("expected ExtensionNotFound, got {other:?}"),
        }
    }
}

#[test]
fn without_a_path_the_source_build_tree_is_used() {
    let path = source_tree_extension();
    assert!(
        path.ends_with("build/openduck.duckdb_extension"),
        "{}",
        path.display()
    );
    let checkout = path.parent().and_then(Path::parent).unwrap();
    assert!(
        checkout.join("clients/rust/Cargo.toml").is_file(),
        "{}",
        checkout.display()
    );
    // Whether the checkout has been built decides between the two outcomes.
    match Options::default().resolve_with(environment(&[])) {
        Ok(settings) => assert_eq!(settings.extension_path, path),
        Err(Error::ExtensionNotFound {
            path: looked_at,
            origin,
        }) => {
            assert_eq!((looked_at, origin), (path, ExtensionOrigin::SourceTree));
        }
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[test]
fn debug_output_never_shows_the_token() {
    let extension = TempFile::new("debug");
    let options = Options {
        token: Some("s3cr3t-token".into()),
        ..with_extension(&extension)
    };
    let settings = options.resolve_with(environment(&[])).unwrap();
    for shown in [
        format!("{options:?}"),
        format!("{settings:?}"),
        format!("{settings:#?}"),
    ] {
        assert!(!shown.contains("s3cr3t-token"), "{shown}");
        assert!(shown.contains("Token(<redacted>)"), "{shown}");
    }
}

#[test]
fn attach_sql_quotes_every_value() {
    let settings = Settings {
        endpoint: "http://h:1".into(),
        token: Some("it's".into()),
        alias: "my \"db\"".into(),
        local: None,
        extension_path: PathBuf::from("x"),
    };
    assert_eq!(
        attach_sql("o'db", &settings),
        "ATTACH 'openduck:o''db' AS \"my \"\"db\"\"\" (ENDPOINT 'http://h:1', TOKEN 'it''s')"
    );
    let without_token = Settings {
        token: None,
        ..settings
    };
    assert_eq!(
        attach_sql("db", &without_token),
        "ATTACH 'openduck:db' AS \"my \"\"db\"\"\" (ENDPOINT 'http://h:1')"
    );
}

#[test]
fn another_duckdb_version_is_refused_naming_both() {
    let error = check_duckdb_version("v1.3.2").unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("DuckDB v1.4.4") && message.contains("DuckDB v1.3.2"),
        "{message}"
    );
    assert!(check_duckdb_version("v1.4.4").is_ok());
    assert!(
        check_duckdb_version("1.4.4").is_err(),
        "version() always starts with v"
    );
}

#[test]
fn the_linked_duckdb_is_the_extensions_version() {
    let con = Connection::open_in_memory().unwrap();
    let version: String = con
        .query_row("SELECT version()", [], |row| row.get(0))
        .unwrap();
    check_duckdb_version(&version).unwrap();
}

#[test]
fn the_duckdb_crate_is_pinned_to_the_same_version() {
    let manifest = include_str!("../Cargo.toml");
    let pin = format!("duckdb = {{ version = \"={DUCKDB_VERSION}\"");
    assert!(manifest.contains(&pin), "Cargo.toml must pin {pin}");
}

#[test]
fn attach_failures_are_classified_from_the_extensions_messages() {
    let cases = [
        (
            "IO Error: cannot reach OpenDuck gateway at http://127.0.0.1:1: Connection refused",
            AttachFailure::Unreachable,
        ),
        (
            "IO Error: authentication failed: missing or invalid token",
            AttachFailure::Authentication,
        ),
        (
            "database 'x' does not exist on this OpenDuck server (available: a, b)",
            AttachFailure::UnknownDatabase,
        ),
        ("Binder Error: something else", AttachFailure::Other),
    ];
    for (message, failure) in cases {
        assert_eq!(AttachFailure::of(message), failure, "{message}");
    }
}
