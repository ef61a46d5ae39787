//! Links this crate against the prebuilt libduckdb.so that scripts/setup.sh installs and the
//! OpenDuck extension links too: one DuckDB in the process, the exact build the extension was
//! compiled against. libduckdb-sys (without `bundled`) only asks for `-lduckdb`; this script says
//! where that library is and records the DuckDB version for the runtime check.
//!
//! It runs as a build script of its own, so it cannot hand DUCKDB_LIB_DIR to libduckdb-sys's:
//! it adds the search path itself, which reaches every link of this crate's dependents.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let repo = manifest_dir
        .ancestors()
        .nth(2)
        .expect("the crate lives in clients/rust of an OpenDuck checkout");
    let version = duckdb_version(&repo.join("scripts").join("versions.env"));
    println!("cargo:rustc-env=OPENDUCK_DUCKDB_VERSION={version}");

    println!("cargo:rerun-if-env-changed=DUCKDB_LIB_DIR");
    let lib_dir = match env::var_os("DUCKDB_LIB_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo
            .join("third_party")
            .join(format!("duckdb-{version}"))
            .join("lib"),
    };
    let library = lib_dir.join("libduckdb.so");
    if !library.is_file() {
        panic!(
			"{} does not exist: run scripts/setup.sh (it installs DuckDB {version}'s libduckdb.so there), \
			 or set DUCKDB_LIB_DIR to the directory holding DuckDB {version}'s libduckdb.so",
			library.display()
		);
    }
    println!("cargo:rerun-if-changed={}", library.display());
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    // Tests, examples and binaries of this crate find the library without LD_LIBRARY_PATH.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
}

/// DUCKDB_VERSION from scripts/versions.env, the one place pinned versions live.
fn duckdb_version(versions_env: &Path) -> String {
    println!("cargo:rerun-if-changed={}", versions_env.display());
    let text = fs::read_to_string(versions_env).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (the crate builds inside an OpenDuck checkout)",
            versions_env.display()
        )
    });
    text.lines()
        .find_map(|line| line.strip_prefix("DUCKDB_VERSION="))
        .map(|version| version.trim().to_string())
        .unwrap_or_else(|| panic!("{} has no DUCKDB_VERSION= line", versions_env.display()))
}
