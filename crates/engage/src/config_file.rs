//! `engage serve --config FILE` (or `ENGAGE_CONFIG`): settings from a TOML file.
//!
//! Precedence, highest first: command-line flags, `ENGAGE_*` environment variables, the
//! file, built-in defaults. clap resolves flags, environment and defaults; a value from
//! the file replaces a setting only when clap took that setting's default
//! ([`clap::parser::ValueSource::DefaultValue`]).
//!
//! Keys (see `docs/engage.example.toml`): top level `data_dir`, `store`, `log_format`;
//! section `[serve]`: `listen`, `graphiql`, `max_body_bytes`,
//! `persisted_query_cache_bytes`, `dev_actor`. An unknown key, a value of the wrong type
//! or a value that does not parse is an error naming the key and the file.

use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::{Cli, Command, LogFormat};

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid TOML: {source}")]
    Syntax {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("unknown key `{key}` in the config file {path} (known keys: {known})")]
    UnknownKey {
        key: String,
        path: PathBuf,
        known: &'static str,
    },
    #[error("bad value for `{key}` in the config file {path}: {problem}")]
    BadValue {
        key: String,
        path: PathBuf,
        problem: String,
    },
}

const TOP_KEYS: &str = "data_dir, store, log_format, [serve]";
const SERVE_KEYS: &str = "listen, graphiql, max_body_bytes, persisted_query_cache_bytes, dev_actor";

/// Settings read from a file; `None` where the file does not set them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FileSettings {
    pub data_dir: Option<PathBuf>,
    pub store: Option<String>,
    pub log_format: Option<LogFormat>,
    pub listen: Option<std::net::SocketAddr>,
    pub graphiql: Option<bool>,
    pub max_body_bytes: Option<usize>,
    pub persisted_query_cache_bytes: Option<usize>,
    pub dev_actor: Option<engage_log::Actor>,
}

/// Read and check a configuration file.
pub fn load(path: &Path) -> Result<FileSettings, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path)
}

/// Check the text of a configuration file (`path` is only named in errors).
pub fn parse(text: &str, path: &Path) -> Result<FileSettings, ConfigFileError> {
    let table: toml::Table = text.parse().map_err(|e| ConfigFileError::Syntax {
        path: path.to_owned(),
        source: Box::new(e),
    })?;
    let v = Values { path };
    let mut out = FileSettings::default();
    for (key, value) in &table {
        match key.as_str() {
            "data_dir" => out.data_dir = Some(PathBuf::from(v.string(key, value)?)),
            "store" => out.store = Some(v.string(key, value)?),
            "log_format" => {
                out.log_format = Some(match v.string(key, value)?.as_str() {
                    "text" => LogFormat::Text,
                    "json" => LogFormat::Json,
                    other => {
                        return Err(v.bad(key, format!("`{other}` is not `text` or `json`")));
                    }
                })
            }
            "serve" => {
                let Some(serve) = value.as_table() else {
                    return Err(v.bad(key, "expected a table (`[serve]`)".into()));
                };
                for (k, value) in serve {
                    let key = format!("serve.{k}");
                    match k.as_str() {
                        "listen" => {
                            let s = v.string(&key, value)?;
                            out.listen = Some(s.parse().map_err(|e| {
                                v.bad(&key, format!("`{s}` is not an address (HOST:PORT): {e}"))
                            })?);
                        }
                        "graphiql" => out.graphiql = Some(v.boolean(&key, value)?),
                        "max_body_bytes" => out.max_body_bytes = Some(v.size(&key, value)?),
                        "persisted_query_cache_bytes" => {
                            out.persisted_query_cache_bytes = Some(v.size(&key, value)?)
                        }
                        "dev_actor" => {
                            let s = v.string(&key, value)?;
                            out.dev_actor = Some(
                                engage_server::identity::parse_actor(&s)
                                    .map_err(|e| v.bad(&key, e.to_string()))?,
                            );
                        }
                        _ => return Err(v.unknown(&key, SERVE_KEYS)),
                    }
                }
            }
            _ => return Err(v.unknown(key, TOP_KEYS)),
        }
    }
    Ok(out)
}

/// Typed access to values, with errors naming the key and the file.
struct Values<'a> {
    path: &'a Path,
}

impl Values<'_> {
    fn bad(&self, key: &str, problem: String) -> ConfigFileError {
        ConfigFileError::BadValue {
            key: key.to_owned(),
            path: self.path.to_owned(),
            problem,
        }
    }

    fn unknown(&self, key: &str, known: &'static str) -> ConfigFileError {
        ConfigFileError::UnknownKey {
            key: key.to_owned(),
            path: self.path.to_owned(),
            known,
        }
    }

    fn string(&self, key: &str, value: &toml::Value) -> Result<String, ConfigFileError> {
        value.as_str().map(str::to_owned).ok_or_else(|| {
            self.bad(
                key,
                format!("expected a string, found {}", value.type_str()),
            )
        })
    }

    fn boolean(&self, key: &str, value: &toml::Value) -> Result<bool, ConfigFileError> {
        value.as_bool().ok_or_else(|| {
            self.bad(
                key,
                format!("expected true or false, found {}", value.type_str()),
            )
        })
    }

    fn size(&self, key: &str, value: &toml::Value) -> Result<usize, ConfigFileError> {
        let n = value.as_integer().ok_or_else(|| {
            self.bad(
                key,
                format!("expected a whole number, found {}", value.type_str()),
            )
        })?;
        usize::try_from(n).map_err(|_| self.bad(key, format!("{n} is negative or too large")))
    }
}

/// Whether clap took `id` from the command line or the environment (rather than its
/// default), in the top-level matches or the subcommand's.
fn given(matches: &[&ArgMatches], id: &str) -> bool {
    matches.iter().any(|m| {
        // Asking for an id these matches do not define is a (debug-build) panic in clap.
        m.ids().any(|i| i.as_str() == id)
            && matches!(
                m.value_source(id),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            )
    })
}

/// Fill every setting clap left at its default from `file`.
pub fn merge(cli: &mut Cli, matches: &ArgMatches, file: FileSettings) {
    let serve_matches = matches.subcommand_matches("serve");
    let all: Vec<&ArgMatches> = std::iter::once(matches).chain(serve_matches).collect();
    let from_file = |id: &str| !given(&all, id);
    let FileSettings {
        data_dir,
        store,
        log_format,
        listen,
        graphiql,
        max_body_bytes,
        persisted_query_cache_bytes,
        dev_actor,
    } = file;
    if let Some(x) = data_dir.filter(|_| from_file("data_dir")) {
        cli.global.data_dir = x;
    }
    if let Some(x) = store.filter(|_| from_file("store")) {
        cli.global.store = Some(x);
    }
    if let Some(x) = log_format.filter(|_| from_file("log_format")) {
        cli.global.log_format = x;
    }
    let Command::Serve(args) = &mut cli.command else {
        return;
    };
    if let Some(x) = listen.filter(|_| from_file("listen")) {
        args.listen = x;
    }
    if let Some(x) = graphiql.filter(|_| from_file("graphiql")) {
        args.graphiql = x;
    }
    if let Some(x) = max_body_bytes.filter(|_| from_file("max_body_bytes")) {
        args.max_body_bytes = x;
    }
    if let Some(x) =
        persisted_query_cache_bytes.filter(|_| from_file("persisted_query_cache_bytes"))
    {
        args.persisted_query_cache_bytes = x;
    }
    if let Some(x) = dev_actor.filter(|_| from_file("dev_actor")) {
        args.access.dev_actor = Some(x);
    }
}

/// Apply `engage serve --config FILE` (or `ENGAGE_CONFIG`) to the parsed arguments; other
/// commands are left as they are.
pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> Result<(), ConfigFileError> {
    let path = match &cli.command {
        Command::Serve(args) => args.config.clone(),
        _ => None,
    };
    if let Some(path) = path {
        let file = load(&path)?;
        merge(cli, matches, file);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;

    /// Held while arguments are parsed, so that the test that sets an environment
    /// variable does not race the others (under `cargo test` they share a process).
    static ARGS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn parse_args(args: &[&str]) -> (Cli, ArgMatches) {
        let _held = ARGS.lock().unwrap_or_else(|e| e.into_inner());
        parse_args_unlocked(args)
    }

    fn parse_args_unlocked(args: &[&str]) -> (Cli, ArgMatches) {
        let matches = Cli::command()
            .try_get_matches_from(args)
            .expect("arguments parse");
        let cli = Cli::from_arg_matches(&matches).expect("arguments convert");
        (cli, matches)
    }

    fn serve(cli: &Cli) -> &crate::cli::ServeArgs {
        match &cli.command {
            Command::Serve(a) => a,
            other => panic!("not serve: {other:?}"),
        }
    }

    const GOOD: &str = r#"
data_dir = "/var/lib/engage"
log_format = "json"

[serve]
listen = "0.0.0.0:9090"
graphiql = false
max_body_bytes = 2048
persisted_query_cache_bytes = 0
dev_actor = "ops:administrator:mopac"
"#;

    #[test]
    fn a_good_file_sets_every_key() {
        let f = parse(GOOD, Path::new("engage.toml")).unwrap();
        assert_eq!(f.data_dir, Some(PathBuf::from("/var/lib/engage")));
        assert_eq!(f.log_format, Some(LogFormat::Json));
        assert_eq!(f.listen, Some("0.0.0.0:9090".parse().unwrap()));
        assert_eq!(f.graphiql, Some(false));
        assert_eq!(f.max_body_bytes, Some(2048));
        assert_eq!(f.persisted_query_cache_bytes, Some(0));
        assert_eq!(f.dev_actor.unwrap().id, "ops");
        assert_eq!(f.store, None);
    }

    #[test]
    fn the_example_file_in_docs_is_valid() {
        let text = include_str!("../../../docs/engage.example.toml");
        parse(text, Path::new("docs/engage.example.toml")).unwrap();
    }

    #[test]
    fn unknown_keys_are_named_with_the_file() {
        let e = parse(
            "[serve]\nlisten_on = \"x\"\n",
            Path::new("/etc/engage.toml"),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("`serve.listen_on`"), "{msg}");
        assert!(msg.contains("/etc/engage.toml"), "{msg}");
        assert!(msg.contains("listen, graphiql"), "{msg}");
        let e = parse("colour = true\n", Path::new("a.toml")).unwrap_err();
        assert!(e.to_string().contains("unknown key `colour`"), "{e}");
    }

    #[test]
    fn bad_values_are_named_with_the_file() {
        let cases = [
            (
                "[serve]\nlisten = \"nowhere\"\n",
                "`serve.listen`",
                "not an address",
            ),
            (
                "[serve]\ngraphiql = \"no\"\n",
                "`serve.graphiql`",
                "expected true or false",
            ),
            (
                "[serve]\nmax_body_bytes = -1\n",
                "`serve.max_body_bytes`",
                "negative",
            ),
            (
                "[serve]\nmax_body_bytes = \"1MB\"\n",
                "`serve.max_body_bytes`",
                "whole number",
            ),
            ("[serve]\ndev_actor = \"nobody\"\n", "`serve.dev_actor`", ""),
            (
                "log_format = \"xml\"\n",
                "`log_format`",
                "not `text` or `json`",
            ),
            ("serve = 3\n", "`serve`", "expected a table"),
        ];
        for (text, key, problem) in cases {
            let msg = parse(text, Path::new("x.toml")).unwrap_err().to_string();
            assert!(msg.contains(key), "{text}: {msg}");
            assert!(msg.contains(problem), "{text}: {msg}");
            assert!(msg.contains("x.toml"), "{text}: {msg}");
        }
        let msg = parse("[serve\n", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("x.toml") && msg.contains("not valid TOML"),
            "{msg}"
        );
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let file = parse(GOOD, Path::new("engage.toml")).unwrap();
        let (mut cli, matches) = parse_args(&["engage", "serve", "--listen", "127.0.0.1:7000"]);
        merge(&mut cli, &matches, file);
        let s = serve(&cli);
        assert_eq!(s.listen, "127.0.0.1:7000".parse().unwrap(), "flag wins");
        assert!(!s.graphiql, "file beats default");
        assert_eq!(s.max_body_bytes, 2048);
        assert_eq!(cli.global.data_dir, PathBuf::from("/var/lib/engage"));
        assert_eq!(cli.global.log_format, LogFormat::Json);
    }

    #[test]
    fn a_global_flag_before_the_subcommand_beats_the_file() {
        let file = parse(GOOD, Path::new("engage.toml")).unwrap();
        let (mut cli, matches) = parse_args(&["engage", "--data-dir", "/tmp/d", "serve"]);
        merge(&mut cli, &matches, file);
        assert_eq!(cli.global.data_dir, PathBuf::from("/tmp/d"));
    }

    #[test]
    fn environment_beats_the_file() {
        let file = parse(GOOD, Path::new("engage.toml")).unwrap();
        let (mut cli, matches) = {
            let _held = ARGS.lock().unwrap_or_else(|e| e.into_inner());
            // SAFETY: every test here that reads the environment (through clap) holds
            // `ARGS`, so no other thread reads it while it is changed.
            unsafe { std::env::set_var("ENGAGE_MAX_BODY_BYTES", "4096") };
            let parsed = parse_args_unlocked(&["engage", "serve"]);
            unsafe { std::env::remove_var("ENGAGE_MAX_BODY_BYTES") };
            parsed
        };
        merge(&mut cli, &matches, file);
        let s = serve(&cli);
        assert_eq!(s.max_body_bytes, 4096, "environment wins");
        assert_eq!(
            s.listen,
            "0.0.0.0:9090".parse().unwrap(),
            "file beats default"
        );
    }

    #[test]
    fn apply_reads_the_file_named_by_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("engage.toml");
        std::fs::write(&path, "[serve]\ngraphiql = false\n").unwrap();
        let p = path.to_str().unwrap();
        let (mut cli, matches) = parse_args(&["engage", "serve", "--config", p]);
        apply(&mut cli, &matches).unwrap();
        assert!(!serve(&cli).graphiql);
        let (mut cli, matches) =
            parse_args(&["engage", "serve", "--config", "/nonexistent/engage.toml"]);
        let e = apply(&mut cli, &matches).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/engage.toml"), "{e}");
    }
}
