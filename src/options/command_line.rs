//! The command line's grammar: a command's arguments split into files, the
//! host's own flags and the option table's flags, whose values become
//! [`Options`].
//!
//! The CLI hands its arguments here as they came, so a flag is read by the
//! same table that builds the page's form and the Configuration sheet, and
//! the host decides nothing about options. The grammar is the one Node's
//! `util.parseArgs` reads in strict mode, which the CLI used before:
//!
//! - `--flag value` and `--flag=value` for a flag that takes a value; a
//!   value that starts with `-` only as `--flag=-value`, so a forgotten
//!   value cannot swallow the next flag;
//! - `--flag` alone for a switch, which takes no value;
//! - `-h` or `--help` anywhere asks for the usage text;
//! - `--` ends the flags: what follows is files, as are `-` (standard
//!   input) and anything not starting with `-`.
//!
//! ```
//! use stripe_torii_sync::options::catalog::Scope;
//! use stripe_torii_sync::options::command_line::{CommandLine, HostFlag};
//!
//! let args = ["export.csv", "--license-name=Stripe Team", "--quiet", "--", "-odd.csv"];
//! let hosts = [HostFlag::switch("quiet")];
//! let line = CommandLine::parse(&args, Scope::Transform, &hosts).unwrap();
//! assert_eq!(line.files, ["export.csv", "-odd.csv"]);
//! assert_eq!(line.host, [("quiet".to_string(), None)]);
//! assert_eq!(line.options.transform.license_name.as_deref(), Some("Stripe Team"));
//!
//! let err = CommandLine::parse(&["a.csv", "--app-account", "5"], Scope::Transform, &hosts).unwrap_err();
//! assert!(err.message().contains("--app-account is a flag of sync"));
//! ```

use super::catalog::{find, CliForm, Host, Options, Scope};
use crate::error::{Error, Result};

/// A flag of the host itself (a file to write, a switch of its output),
/// which the core only recognises and hands back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFlag<'a> {
    /// The flag without its dashes (`output`).
    pub name: &'a str,
    /// True when the flag takes a value (`--output FILE`).
    pub takes_value: bool,
    /// The flag is the other command's (`--compare`, which sync does not
    /// take): refused here, with the command that takes it.
    pub other_command: bool,
}

impl<'a> HostFlag<'a> {
    /// A flag that takes no value (`--quiet`).
    pub const fn switch(name: &'a str) -> Self {
        HostFlag {
            name,
            takes_value: false,
            other_command: false,
        }
    }

    /// A flag that takes a value (`--output FILE`).
    pub const fn value(name: &'a str) -> Self {
        HostFlag {
            takes_value: true,
            ..HostFlag::switch(name)
        }
    }

    /// A flag of the other command only.
    pub const fn of_other_command(name: &'a str) -> Self {
        HostFlag {
            other_command: true,
            ..HostFlag::switch(name)
        }
    }
}

/// A command's arguments, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandLine {
    /// The files named, in order (`-` is standard input).
    pub files: Vec<String>,
    /// The host's flags given, each once, in the order first given: the
    /// name without dashes, and the (last) value of one that takes a value.
    pub host: Vec<(String, Option<String>)>,
    /// The option table's flags given, parsed and checked; left at their
    /// defaults when help was asked for, which is then all a host shows.
    pub options: Options,
    /// True when `-h` or `--help` was given.
    pub help: bool,
}

impl CommandLine {
    /// Reads `args` (the arguments after the command) for a command whose
    /// options are those of `scope` (sync takes the transform's as well),
    /// with the host's own `host_flags`.
    ///
    /// # Errors
    ///
    /// `invalid_option` naming the flag: an unknown flag, a flag of another
    /// command, a value missing or given to a switch, or a value the option
    /// refuses. None when help is asked for (before any `--`): the person
    /// gets it, whatever the rest says, as `parseArgs`, which never read
    /// the values, gave it.
    pub fn parse<S: AsRef<str>>(
        args: &[S],
        scope: Scope,
        host_flags: &[HostFlag<'_>],
    ) -> Result<CommandLine> {
        let help = args
            .iter()
            .map(AsRef::as_ref)
            .take_while(|&arg| arg != "--")
            .any(|arg| arg == "-h" || arg == "--help");
        match Self::read(args, scope, host_flags) {
            Err(_) if help => Ok(CommandLine {
                help,
                ..CommandLine::default()
            }),
            read => read,
        }
    }

    fn read<S: AsRef<str>>(
        args: &[S],
        scope: Scope,
        host_flags: &[HostFlag<'_>],
    ) -> Result<CommandLine> {
        let mut line = CommandLine::default();
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut rest = args.iter().map(AsRef::as_ref);
        while let Some(arg) = rest.next() {
            if arg == "--" {
                line.files.extend(rest.by_ref().map(str::to_string));
                break;
            }
            if arg == "-" || !arg.starts_with('-') {
                line.files.push(arg.to_string());
                continue;
            }
            if arg == "-h" || arg == "--help" {
                line.help = true;
                continue;
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
                _ => (arg, None),
            };
            let name = flag.strip_prefix("--").filter(|n| !n.is_empty());
            let Some(name) = name else {
                return Err(unknown(flag));
            };
            if name == "help" {
                return Err(Error::option(flag, "--help takes no value"));
            }
            let host_flag = host_flags.iter().find(|h| h.name == name);
            let takes_value = match host_flag {
                Some(host) if host.other_command => {
                    let (this, other) = scope.and_other();
                    return Err(Error::option(
                        flag,
                        format!("{flag} is a flag of {other}; {this} does not take it"),
                    ));
                }
                Some(host) => host.takes_value,
                None => {
                    let spec = find(Host::Cli, flag).ok_or_else(|| unknown(flag))?;
                    if spec.scope == Scope::Sync && scope == Scope::Transform {
                        return Err(Error::option(
                            flag,
                            format!("{flag} is a flag of sync; transform does not take it"),
                        ));
                    }
                    spec.cli_form == CliForm::Value
                }
            };
            let value = match (takes_value, inline) {
                (false, Some(_)) => {
                    return Err(Error::option(flag, format!("{flag} takes no value")));
                }
                (false, None) => None,
                (true, Some(value)) => Some(value.to_string()),
                (true, None) => match rest.next() {
                    Some(next) if next == "-" || !next.starts_with('-') => Some(next.to_string()),
                    _ => {
                        return Err(Error::option(
                            flag,
                            format!(
                                "{flag} needs a value; to give one that starts with \"-\", \
                                 write {flag}=VALUE"
                            ),
                        ))
                    }
                },
            };
            if host_flag.is_some() {
                // A host flag given twice keeps its last value, as an option does.
                match line.host.iter_mut().find(|(given, _)| given == name) {
                    Some(given) => given.1 = value,
                    None => line.host.push((name.to_string(), value)),
                }
            } else {
                pairs.push((flag.to_string(), value.unwrap_or_default()));
            }
        }
        // Asked for help, the values are not read (see `parse`).
        if !line.help {
            line.options = Options::from_text(
                Host::Cli,
                pairs.iter().map(|(f, v)| (f.as_str(), v.as_str())),
            )?;
        }
        Ok(line)
    }
}

fn unknown(flag: &str) -> Error {
    Error::option(
        flag,
        format!(
            "unknown flag \"{}\"; the flags are in --help",
            crate::text::shorten(flag)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::UploadMode;

    const HOST: [HostFlag<'static>; 3] = [
        HostFlag::value("output"),
        HostFlag::switch("quiet"),
        HostFlag::of_other_command("compare"),
    ];

    fn parse(args: &[&str]) -> Result<CommandLine> {
        CommandLine::parse(args, Scope::Sync, &HOST)
    }

    fn refusal(args: &[&str]) -> String {
        let err = parse(args).unwrap_err();
        assert_eq!(err.code(), "invalid_option", "{args:?}");
        err.message().to_string()
    }

    #[test]
    fn only_two_dashes_make_a_flag_and_help_takes_no_value() {
        assert_eq!(
            refusal(&["a.csv", "---strict"]),
            "unknown flag \"---strict\"; the flags are in --help"
        );
        assert_eq!(
            refusal(&["a.csv", "-strict"]),
            "unknown flag \"-strict\"; the flags are in --help"
        );
        assert_eq!(refusal(&["a.csv", "--help=1"]), "--help takes no value");
        assert!(parse(&["a.csv", "--strict"]).is_ok());
    }

    #[test]
    fn a_host_flag_of_the_other_command_is_refused_naming_it() {
        assert_eq!(
            refusal(&["a.csv", "--compare", "old.json"]),
            "--compare is a flag of transform; sync does not take it"
        );
        let err =
            CommandLine::parse(&["a.csv", "--compare=x"], Scope::Transform, &HOST).unwrap_err();
        assert_eq!(
            err.message(),
            "--compare is a flag of sync; transform does not take it"
        );
    }

    #[test]
    fn values_come_after_the_flag_or_after_an_equals_sign() {
        let line = parse(&[
            "a.csv",
            "--output",
            "out.json",
            "--exclude-domain=a.example",
            "--exclude-domain",
            "b.example",
            "-",
            "--output=",
        ])
        .unwrap();
        assert_eq!(line.files, ["a.csv", "-"]);
        assert_eq!(line.host, [("output".to_string(), Some(String::new()))]);
        assert_eq!(
            line.options.transform.exclude_domains,
            ["a.example", "b.example"]
        );
        assert!(!line.help);
    }

    #[test]
    fn switches_help_and_the_end_of_flags() {
        let line = parse(&["--quiet", "--strict", "--direct", "--", "--quiet", "-x"]).unwrap();
        assert_eq!(line.host, [("quiet".to_string(), None)]);
        assert!(line.options.transform.strict);
        assert_eq!(line.options.sync.mode, UploadMode::Direct);
        assert!(!line.help);
        assert_eq!(line.files, ["--quiet", "-x"]);
        assert!(parse(&["a.csv", "-h", "--quiet"]).unwrap().help);
        assert!(parse(&["--help"]).unwrap().help);
        // Help is given even beside a value the option refuses, a flag of
        // the other command or an unknown one; not as a file after `--`.
        for args in [
            &["--price-per-user-cents", "ten", "-h"][..],
            &["a.csv", "--compare", "old.json", "--help"],
            &["--no-such-flag", "--help"],
            &["--output", "--help"],
        ] {
            assert!(parse(args).unwrap().help, "{args:?}");
        }
        assert!(refusal(&["--no-such-flag", "--", "--help"]).contains("unknown flag"));
    }

    #[test]
    fn grammar_mistakes_name_the_flag() {
        assert!(refusal(&["--no-such-flag"]).contains("unknown flag \"--no-such-flag\""));
        assert!(refusal(&["-x"]).contains("unknown flag \"-x\""));
        assert!(parse(&["--"]).unwrap().files.is_empty());
        assert!(refusal(&["---"]).contains("unknown flag"));
        assert!(refusal(&["--quiet=yes"]).contains("--quiet takes no value"));
        assert!(refusal(&["--strict=1"]).contains("--strict takes no value"));
        assert!(refusal(&["--output"]).contains("--output needs a value"));
        assert!(refusal(&["--license-name", "--quiet"]).contains("write --license-name=VALUE"));
        let transform = CommandLine::parse(&["--max-drop-percent", "5"], Scope::Transform, &HOST);
        assert!(transform
            .unwrap_err()
            .message()
            .contains("--max-drop-percent is a flag of sync"));
    }

    #[test]
    fn option_values_are_checked_by_the_table() {
        assert!(refusal(&["--price-per-user-cents", "ten"]).contains("price"));
        assert!(refusal(&["--date-order", "ymd"]).contains("dateOrder"));
        // A value may start with "-" after "=": the option then judges it.
        assert!(refusal(&["--unassigned=-1"]).contains("unassigned"));
        let line = parse(&["--price-per-user-cents", "1250", "--app-account", "777"]).unwrap();
        assert_eq!(line.options.transform.price_per_user_cents, Some(1250));
        assert_eq!(line.options.sync.app_account_id.as_deref(), Some("777"));
    }
}
