//! The identity of a sync target: which Torii API, which app account.
//!
//! The destructive-sync guard compares a sync with the last one *of the
//! same target*, so every spelling of one target must give one
//! [`Target::key`], or be refused. Hosts store and look up their baseline by
//! that key, and the session sends to exactly the URL the key was made from,
//! so the key and the endpoint cannot differ.
//!
//! The account is trimmed, and digits lose their leading zeros (Torii gets
//! them as a number): `' 777'`, `0777` and `777` are one account.
//!
//! The API base URL is normalised the way browsers and Node (WHATWG URL
//! parsing) read it, and further by RFC 3986's equivalences:
//!
//! - scheme and host lower-cased; the default port (443, or 80 for http)
//!   dropped, a port written as a plain number (`:018787` is `:18787`);
//! - one trailing dot of a host name dropped; IPv4 addresses in any form
//!   WHATWG reads (`127.1`, `0x7f.0.0.1`, `2130706433`) written dotted, IPv6
//!   addresses compressed;
//! - dot segments resolved (`/./v1.0`, `/v1.0/x/..`, `/%2e/v1.0`), trailing
//!   slashes dropped (so no path and `/` are the same), percent-encoded
//!   unreserved characters decoded (`%76` is `v`) and other escapes written
//!   in upper case.
//!
//! What is ambiguous is refused as `invalid_config` naming `baseUrl`:
//! anything but `http(s)://` and a host, a user name or password, a
//! backslash, a query or fragment, a percent-encoded or non-ASCII host, an
//! empty path segment inside the path (`//`), spaces, control characters
//! and characters that must be percent-encoded. A sans-IO core resolves no
//! names, so `localhost` and `127.0.0.1` stay two targets.

use std::net::Ipv6Addr;

use super::config::{invalid, DEFAULT_BASE_URL};
use crate::error::Result;

/// A normalised API base URL and app account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    base_url: String,
    app_account_id: String,
    security: UrlSecurity,
}

impl Target {
    /// Validates and normalises a target. `base_url` `None` is Torii's
    /// public API.
    ///
    /// ```
    /// use stripe_torii_sync::sync::Target;
    ///
    /// let default = Target::new(None, "777").unwrap();
    /// assert_eq!(default.key(), "https://api.toriihq.com/v1.0#777");
    /// for spelling in [
    ///     "https://API.toriihq.com:443/v1.0/",
    ///     "https://api.toriihq.com:0443/./v1.0",
    ///     "https://api.toriihq.com./v1.0/x/..",
    ///     "https://api.toriihq.com/%761.0",
    /// ] {
    ///     assert_eq!(Target::new(Some(spelling), " 0777").unwrap().key(), default.key());
    /// }
    /// for refused in ["", "https://api.toriihq.com\\v1.0", "https://me@api.toriihq.com/v1.0"] {
    ///     assert_eq!(Target::new(Some(refused), "777").unwrap_err().code(), "invalid_config");
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// `invalid_config` for an empty account, an empty base URL, or one that
    /// is not https (http is allowed on loopback only) or is ambiguous (see
    /// the [module docs](self)): credentials, a backslash, a query or a
    /// fragment, an empty path segment, characters that must be
    /// percent-encoded.
    pub fn new(base_url: Option<&str>, app_account_id: &str) -> Result<Target> {
        let account = app_account_id.trim();
        if account.is_empty() {
            return Err(invalid("appAccountId", "the App Account ID is empty"));
        }
        if !account.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "appAccountId",
                "the App Account ID has spaces or control characters",
            ));
        }
        let digits = account.bytes().all(|b| b.is_ascii_digit());
        // A number written another way (+777, 777.0, 7.77e2, 0x309) may be
        // read by Torii as the number, the account of another target key.
        if !digits && reads_as_number(account) {
            return Err(invalid(
                "appAccountId",
                "the App Account ID reads as a number written another way (a sign, a decimal \
                 point, an exponent or a 0x prefix); write it in plain digits, as on the \
                 integration's tile in Torii",
            ));
        }
        // Digits go to Torii as a number, so 0777 and 777 are one account.
        let app_account_id = match account.parse::<u64>() {
            Ok(n) if digits && n < (1 << 53) => n.to_string(),
            _ => account.to_string(),
        };
        let (base_url, security) = match base_url {
            None => (DEFAULT_BASE_URL.to_string(), UrlSecurity::Https),
            Some(url) => normalize_url(url)?,
        };
        Ok(Target {
            base_url,
            app_account_id,
            security,
        })
    }

    /// The key hosts store the baseline under: `{base URL}#{account}`.
    pub fn key(&self) -> String {
        format!("{}#{}", self.base_url, self.app_account_id)
    }

    /// The normalised base URL requests are built on.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The normalised App Account ID.
    pub fn app_account_id(&self) -> &str {
        &self.app_account_id
    }

    /// Whether the account goes to Torii as a JSON number: all digits, and
    /// small enough for JavaScript to hold exactly.
    pub fn account_is_number(&self) -> bool {
        self.app_account_id.bytes().all(|b| b.is_ascii_digit())
            && self
                .app_account_id
                .parse::<u64>()
                .is_ok_and(|n| n < (1 << 53))
    }

    /// Whether the base URL is https, or http on loopback.
    pub(crate) fn security(&self) -> UrlSecurity {
        self.security
    }
}

/// How a URL may be used for requests that carry the key or the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlSecurity {
    Https,
    LoopbackHttp,
}

/// Classifies an absolute URL by where WHATWG URL parsing sends it: https
/// anywhere, http on loopback only (`localhost`, `127.0.0.0/8`, `[::1]`);
/// `None` for anything else, and for any authority this module refuses
/// (credentials, a backslash, an unreadable host or port). Only the
/// authority is read: an upload URL is sent exactly as received.
pub(crate) fn url_security(url: &str) -> Option<UrlSecurity> {
    parse_origin(url).ok()?.security()
}

/// `scheme://host[:port]` of `url`, as fetch would reach it: a place to
/// name in a message without the path or query (a presigned URL's query is
/// a credential).
pub(crate) fn url_origin(url: &str) -> Option<String> {
    parse_origin(url).ok().map(|origin| origin.to_string())
}

// Why a base URL is refused: each completes "the API base URL …".
const NOT_A_URL: &str = "must start with https:// and a host";
const NOT_HTTPS: &str = "must start with https:// (http is allowed for localhost only)";
const EXTRA_SLASHES: &str = "has more than two slashes before the host";
const BACKSLASH: &str = "has a backslash (\\); write / instead";
const USERINFO: &str =
    "must not have a user name or password (user@host); the API key has its own setting";
const QUERY: &str = "must not have a query or fragment";
const HOST_CHARACTERS: &str = "has spaces, control or non-ASCII characters in its host \
     (write an international name in its xn-- form)";
const NO_HOST: &str = "has no host";
const PERCENT_HOST: &str = "has a percent-encoded host; write the host name plainly";
const BAD_HOST: &str =
    "has a host that is not a host name (letters, digits, - and _ between single dots)";
const BAD_IPV4: &str = "has a host that ends in a number but is not an IPv4 address";
const BAD_IPV6: &str = "has an invalid IPv6 address in [ ]";
const PORT_NOT_A_NUMBER: &str = "has a port that is not a number";
const PORT_RANGE: &str = "has a port outside 1-65535";
const BAD_PERCENT: &str = "has a % that is not followed by two hex digits";
const MUST_ENCODE: &str = "has a space, control, non-ASCII or other character in its path \
     that must be percent-encoded";
const EMPTY_SEGMENT: &str = "has an empty segment (//) inside its path";

/// The normalised base URL and how it may be used, or `invalid_config`
/// naming `baseUrl`.
fn normalize_url(url: &str) -> Result<(String, UrlSecurity)> {
    // What URL parsing strips from the ends: C0 controls and spaces, not
    // other Unicode spaces, which it keeps (and this refuses below).
    let url = url.trim_matches(|c: char| c <= ' ');
    if url.is_empty() {
        return Err(invalid(
            "baseUrl",
            "the API base URL is empty; leave it out for Torii's own API",
        ));
    }
    normalized(url).map_err(|why| {
        let message = if why == USERINFO {
            // The user name or password is not repeated anywhere.
            format!("the API base URL {why}")
        } else {
            let shown: String = url
                .chars()
                .map(|c| if c.is_control() { '_' } else { c })
                .collect();
            format!(
                "the API base URL {why}, got \"{}\"",
                crate::text::shorten(&shown)
            )
        };
        invalid("baseUrl", &message)
    })
}

/// [`normalize_url`] of a trimmed, non-empty URL; the error completes "the
/// API base URL …".
fn normalized(url: &str) -> std::result::Result<(String, UrlSecurity), &'static str> {
    // Before parsing: WHATWG reads `\` as `/` anywhere before the query.
    if url.contains('\\') {
        return Err(BACKSLASH);
    }
    let origin = parse_origin(url)?;
    if origin.rest.contains(['?', '#']) {
        return Err(QUERY);
    }
    let security = origin.security().ok_or(NOT_HTTPS)?;
    let path = normalize_path(origin.rest)?;
    Ok((format!("{origin}{path}"), security))
}

/// Where a URL's requests go, normalised, and the rest of the URL.
struct Origin<'a> {
    https: bool,
    host: Host,
    /// `None` for the scheme's default port.
    port: Option<u16>,
    /// From the first `/`, `?` or `#` after the authority.
    rest: &'a str,
}

impl Origin<'_> {
    fn security(&self) -> Option<UrlSecurity> {
        if self.https {
            Some(UrlSecurity::Https)
        } else if self.host.is_loopback() {
            Some(UrlSecurity::LoopbackHttp)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// A URL's host as WHATWG URL parsing reads it.
enum Host {
    /// Lower case, without a trailing dot.
    Domain(String),
    Ipv4([u8; 4]),
    Ipv6(Ipv6Addr),
}

impl Host {
    fn is_loopback(&self) -> bool {
        match self {
            Host::Domain(name) => name == "localhost",
            Host::Ipv4(octets) => octets[0] == 127,
            Host::Ipv6(address) => *address == Ipv6Addr::LOCALHOST,
        }
    }
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Host::Domain(name) => f.write_str(name),
            Host::Ipv4([a, b, c, d]) => write!(f, "{a}.{b}.{c}.{d}"),
            Host::Ipv6(address) => {
                // WHATWG's serialisation: the first longest run of two or
                // more zero pieces becomes `::`; no dotted IPv4 tail.
                let pieces = address.segments();
                let mut run = (8, 1);
                let mut i = 0;
                while i < 8 {
                    let start = i;
                    while i < 8 && pieces[i] == 0 {
                        i += 1;
                    }
                    if i - start > run.1 {
                        run = (start, i - start);
                    }
                    i = i.max(start + 1);
                }
                f.write_str("[")?;
                let mut i = 0;
                while i < 8 {
                    if i == run.0 {
                        f.write_str(if i == 0 { "::" } else { ":" })?;
                        i += run.1;
                        continue;
                    }
                    write!(f, "{:x}", pieces[i])?;
                    if i != 7 {
                        f.write_str(":")?;
                    }
                    i += 1;
                }
                f.write_str("]")
            }
        }
    }
}

/// Reads `scheme://host[:port]` of an http(s) URL as WHATWG URL parsing
/// does, refusing what it would read differently from how it looks.
fn parse_origin(url: &str) -> std::result::Result<Origin<'_>, &'static str> {
    let (scheme, rest) = url.split_once(':').ok_or(NOT_A_URL)?;
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err(NOT_A_URL);
    };
    let rest = rest.strip_prefix("//").ok_or(NOT_A_URL)?;
    if rest.starts_with(['/', '\\']) {
        return Err(EXTRA_SLASHES);
    }
    let (authority, rest) = rest.split_at(rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len()));
    if rest.starts_with('\\') {
        return Err(BACKSLASH);
    }
    if authority.contains('@') {
        return Err(USERINFO);
    }
    if !authority.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HOST_CHARACTERS);
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (address, after) = bracketed.split_once(']').ok_or(BAD_IPV6)?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or(BAD_IPV6)?),
            };
            (Host::Ipv6(address.parse().map_err(|_| BAD_IPV6)?), port)
        }
        None => {
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            (parse_host(host)?, port)
        }
    };
    let port = match port {
        Some(port) => parse_port(port)?,
        None => None,
    };
    let default_port = if https { 443 } else { 80 };
    Ok(Origin {
        https,
        host,
        port: port.filter(|&p| p != default_port),
        rest,
    })
}

/// A port as a number (`018787` is 18787); an empty port is the default.
fn parse_port(port: &str) -> std::result::Result<Option<u16>, &'static str> {
    if port.is_empty() {
        return Ok(None);
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PORT_NOT_A_NUMBER);
    }
    match port.trim_start_matches('0').parse::<u16>() {
        Ok(0) | Err(_) => Err(PORT_RANGE),
        Ok(port) => Ok(Some(port)),
    }
}

/// A host that is not in brackets: a name, or an IPv4 address when it ends
/// in a number (as WHATWG decides).
fn parse_host(host: &str) -> std::result::Result<Host, &'static str> {
    if host.contains('%') {
        return Err(PERCENT_HOST);
    }
    let host = host.to_ascii_lowercase();
    let name = host.strip_suffix('.').unwrap_or(&host);
    if name.is_empty() {
        return Err(NO_HOST);
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    let ends_in_number = (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        || last
            .strip_prefix("0x")
            .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if ends_in_number {
        return parse_ipv4(name).map(Host::Ipv4).ok_or(BAD_IPV4);
    }
    let is_label = |label: &str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if name.split('.').all(is_label) {
        Ok(Host::Domain(name.to_string()))
    } else {
        Err(BAD_HOST)
    }
}

/// WHATWG's IPv4 parser: one to four parts, each decimal, `0x` hex or
/// leading-zero octal; the last part fills the bytes the others leave.
fn parse_ipv4(host: &str) -> Option<[u8; 4]> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let numbers = parts
        .iter()
        .map(|part| ipv4_number(part))
        .collect::<Option<Vec<u64>>>()?;
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|&n| n > 255) || *last >= 1 << (8 * (5 - numbers.len())) {
        return None;
    }
    let address = leading
        .iter()
        .enumerate()
        .fold(*last, |sum, (i, &n)| sum + (n << (8 * (3 - i))));
    u32::try_from(address).ok().map(u32::to_be_bytes)
}

/// One part of an IPv4 address; `None` if it is not a number.
fn ipv4_number(part: &str) -> Option<u64> {
    let (digits, radix) = match part.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None if part.len() > 1 && part.starts_with('0') => (&part[1..], 8),
        None if part.is_empty() => return None,
        None => (part, 10),
    };
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Twelve digits in base 8 or more exceed 32 bits already.
    let digits = digits.trim_start_matches('0');
    if digits.len() > 12 {
        return None;
    }
    match digits {
        "" => Some(0),
        _ => u64::from_str_radix(digits, radix).ok(),
    }
}

/// The path with percent-encoded unreserved characters decoded, other
/// escapes in upper case, dot segments resolved and trailing slashes
/// dropped; `""` for the root.
fn normalize_path(path: &str) -> std::result::Result<String, &'static str> {
    let bytes = path.as_bytes();
    let mut decoded = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |at: usize| {
                bytes
                    .get(at)
                    .and_then(|&h| char::from(h).to_digit(16))
                    .and_then(|h| u8::try_from(h).ok())
            };
            let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2)) else {
                return Err(BAD_PERCENT);
            };
            let c = high * 16 + low;
            if is_unreserved(c) {
                decoded.push(char::from(c));
            } else {
                decoded.push_str(&format!("%{c:02X}"));
            }
            i += 3;
        } else if b == b'/' || is_unreserved(b) || b"!$&'()*+,;=:@".contains(&b) {
            decoded.push(char::from(b));
            i += 1;
        } else {
            return Err(MUST_ENCODE);
        }
    }
    let mut segments: Vec<&str> = Vec::new();
    // The path is empty or starts with `/`: the first piece is empty.
    for segment in decoded.split('/').skip(1) {
        match segment {
            ".." => {
                segments.pop();
            }
            "." => {}
            _ => segments.push(segment),
        }
    }
    while segments.last() == Some(&"") {
        segments.pop();
    }
    if segments.contains(&"") {
        return Err(EMPTY_SEGMENT);
    }
    Ok(segments.iter().map(|s| format!("/{s}")).collect())
}

/// RFC 3986's unreserved characters, whose escapes mean the same.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Whether `text` is a number as JavaScript's `Number()` or Joi reads
/// one: a sign, digits with a decimal point and an exponent, `0x`, `0o` or
/// `0b` digits, `Infinity`, `NaN`. (By hand: Rust's float parser would add
/// about 18 KB to the `.wasm`.)
fn reads_as_number(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = ["0x", "0o", "0b"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
    {
        return !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let unsigned = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if ["infinity", "inf", "nan"].contains(&unsigned) {
        return true;
    }
    let (mantissa, exponent) = match unsigned.split_once('e') {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (digits(whole) || digits(fraction))
        && all_digits(whole)
        && all_digits(fraction)
        && exponent.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT_KEY: &str = "https://api.toriihq.com/v1.0#777";
    const EMULATOR_KEY: &str = "http://127.0.0.1:18787/v1.0#777";

    fn key(base: Option<&str>, account: &str) -> String {
        Target::new(base, account).unwrap().key()
    }

    fn refusal(base: &str) -> String {
        let err = Target::new(Some(base), "777").unwrap_err();
        assert_eq!(err.code(), "invalid_config", "{base}");
        assert!(
            matches!(err.kind(), crate::error::ErrorKind::InvalidConfig { field } if field == "baseUrl"),
            "{base}"
        );
        err.message().to_string()
    }

    #[test]
    fn spellings_of_one_target_share_a_key() {
        assert_eq!(key(None, "777"), DEFAULT_KEY);
        for (base, account) in [
            (Some("https://api.toriihq.com/v1.0"), "777"),
            (Some("https://api.toriihq.com/v1.0/"), " 777"),
            (Some(" HTTPS://API.ToriiHQ.com:443/v1.0//"), "777 "),
            (None, "0777"),
            (Some("https://api.toriihq.com/./v1.0"), "777"),
            (Some("https://api.toriihq.com/v1.0/."), "777"),
            (Some("https://api.toriihq.com/v1.0/x/.."), "777"),
            (Some("https://api.toriihq.com/../v1.0"), "777"),
            (Some("https://api.toriihq.com/%2e/v1.0/%2E%2e/v1.0"), "777"),
            (Some("https://api.toriihq.com/%761%2E0"), "777"),
            (Some("https://api.toriihq.com:0443/v1.0"), "777"),
            (Some("https://api.toriihq.com:000443/v1.0"), "777"),
            (Some("https://api.toriihq.com:/v1.0"), "777"),
            (Some("https://api.toriihq.com./v1.0"), "777"),
            (Some("https://API.TORIIHQ.COM./V1.0/../v1.0/"), "777"),
            (Some("\thttps://api.toriihq.com/v1.0\n"), "777"),
        ] {
            assert_eq!(key(base, account), DEFAULT_KEY, "{base:?} {account:?}");
        }
        assert_ne!(key(None, "778"), DEFAULT_KEY);
        assert_ne!(
            key(Some("https://api.toriihq.com/v1.1"), "777"),
            DEFAULT_KEY
        );
        // URL parsing strips only C0 controls and spaces from the ends; other
        // Unicode spaces are part of the URL, and refused here.
        for spaced in [
            "https://api.toriihq.com/v1.0\u{a0}",
            "\u{3000}https://api.toriihq.com/v1.0",
        ] {
            assert!(Target::new(Some(spaced), "777").is_err(), "{spaced:?}");
        }
        assert_ne!(
            key(Some("https://api.toriihq.com/V1.0"), "777"),
            DEFAULT_KEY
        );
        assert_ne!(
            key(Some("https://api.toriihq.com:8443/v1.0"), "777"),
            DEFAULT_KEY
        );
        assert_eq!(key(None, "acct-7"), "https://api.toriihq.com/v1.0#acct-7");
    }

    #[test]
    fn loopback_spellings_share_a_key() {
        for base in [
            "http://127.0.0.1:18787/v1.0",
            "http://127.0.0.1:18787/./v1.0",
            "http://127.0.0.1:18787/v1.0/.",
            "http://127.0.0.1:18787/v1.0/x/..",
            "http://127.0.0.1:018787/v1.0",
            "http://127.0.0.1.:18787/v1.0",
            "http://127.1:18787/v1.0",
            "http://0x7f.0.0.1:18787/v1.0",
            "http://0177.0.0.1:18787/v1.0",
            "http://2130706433:18787/v1.0",
            "http://127.0.1:18787/v1.0",
            "HTTP://127.0.0.1:18787/%76%31.0/",
        ] {
            assert_eq!(key(Some(base), "777"), EMULATOR_KEY, "{base}");
        }
        for base in [
            "http://[::1]/v1.0",
            "http://[0:0:0:0:0:0:0:1]:80/v1.0",
            "http://[::0001]/v1.0",
            "http://[0::1]:/v1.0/",
        ] {
            assert_eq!(key(Some(base), "1"), "http://[::1]/v1.0#1", "{base}");
        }
        // Different hosts to a core that resolves no names.
        assert_ne!(
            key(Some("http://localhost:18787/v1.0"), "777"),
            EMULATOR_KEY
        );
        assert_eq!(
            key(Some("http://LocalHost.:18787/v1.0"), "777"),
            "http://localhost:18787/v1.0#777"
        );
    }

    #[test]
    fn already_normal_urls_keep_their_key() {
        // What earlier versions stored under must still be found.
        for base in [
            "https://api.toriihq.com/v1.0",
            "https://api.toriihq.com/v1.1",
            "https://api.toriihq.com",
            "https://torii.example.com:8443/api/v1.0",
            "https://api.toriihq.com/a~b_c-d.e/!$&'()*+,;=:@",
            "https://api.toriihq.com/a%2Fb%20c",
            "http://127.0.0.1:18787/v1.0",
            "http://localhost/v1.0",
            "http://[::1]:9/v1.0",
            "https://[2001:db8::1]",
            "https://[1:2:3:4:5:6:7:8]/v1.0",
        ] {
            assert_eq!(key(Some(base), "777"), format!("{base}#777"), "{base}");
        }
        assert_eq!(
            key(Some("https://[2001:DB8:0:0:0::1]:443"), "7"),
            "https://[2001:db8::1]#7"
        );
    }

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        for ok in [
            "https://api.toriihq.com/v1.0/",
            "http://127.0.0.1:8080/v1.0",
            "http://127.255.0.9/v1.0",
            "http://localhost/v1.0",
            "http://[::1]:9/v1.0",
        ] {
            let t = Target::new(Some(ok), "1").unwrap();
            assert!(!t.base_url().ends_with('/'));
            assert_eq!(t.security() == UrlSecurity::Https, ok.starts_with("https:"));
        }
        for bad in [
            "http://torii.example.com/v1.0",
            "http://127.0.0.1.evil.com/",
            "http://127.foo/",
            "http://128.0.0.1/",
            "http://[::2]/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost.evil.com/",
        ] {
            assert!(refusal(bad).contains(NOT_HTTPS), "{bad}");
        }
        assert!(refusal("").contains("empty"));
        assert!(refusal("  ").contains("empty"));
    }

    #[test]
    fn ambiguous_urls_are_refused_naming_the_setting() {
        for (bad, why) in [
            ("ftp://127.0.0.1", NOT_A_URL),
            ("api.toriihq.com", NOT_A_URL),
            ("https:api.toriihq.com", NOT_A_URL),
            ("https:/api.toriihq.com", NOT_A_URL),
            ("https:", NOT_A_URL),
            ("https:///api.toriihq.com", EXTRA_SLASHES),
            ("https://", NO_HOST),
            ("https://:443/v1.0", NO_HOST),
            ("https://./v1.0", NO_HOST),
            ("https://api.toriihq.com\\v1.0", BACKSLASH),
            ("http://127.0.0.1:18787\\v1.0", BACKSLASH),
            ("https://api.toriihq.com/v1.0\\", BACKSLASH),
            ("https:\\\\api.toriihq.com/v1.0", BACKSLASH),
            ("https://user:pw@api.toriihq.com", USERINFO),
            ("https://@api.toriihq.com", USERINFO),
            ("https://api.toriihq.com/v1.0?x=1", QUERY),
            ("https://api.toriihq.com/v1.0?", QUERY),
            ("https://api.toriihq.com#frag", QUERY),
            ("https://api.toriihq.com/v1.0#frag", QUERY),
            ("https://api.toriihq.com:443x/v1.0", PORT_NOT_A_NUMBER),
            ("https://api.toriihq.com:+443/v1.0", PORT_NOT_A_NUMBER),
            ("https://api.toriihq.com:443:1/v1.0", PORT_NOT_A_NUMBER),
            ("https://api.toriihq.com:65536/v1.0", PORT_RANGE),
            ("https://api.toriihq.com:0/v1.0", PORT_RANGE),
            (
                "https://api.toriihq.com:99999999999999999999/v1.0",
                PORT_RANGE,
            ),
            ("https://api%2Etoriihq.com/v1.0", PERCENT_HOST),
            ("https://api toriihq.com/v1.0", HOST_CHARACTERS),
            ("https://api\t.toriihq.com/v1.0", HOST_CHARACTERS),
            ("https://äpi.toriihq.com/v1.0", HOST_CHARACTERS),
            ("https://api..toriihq.com/v1.0", BAD_HOST),
            ("https://.api.toriihq.com/v1.0", BAD_HOST),
            ("https://api.toriihq.com../v1.0", BAD_HOST),
            ("https://api.torii*hq.com/v1.0", BAD_HOST),
            ("https://a]b/v1.0", BAD_HOST),
            ("https://api.toriihq.123/v1.0", BAD_IPV4),
            ("https://1.2.3.4.5/v1.0", BAD_IPV4),
            ("https://256.0.0.1/v1.0", BAD_IPV4),
            ("https://1.2.65536/v1.0", BAD_IPV4),
            ("https://4294967296/v1.0", BAD_IPV4),
            ("https://08.0.0.1/v1.0", BAD_IPV4),
            ("https://1..2/v1.0", BAD_IPV4),
            ("https://0xg.1/v1.0", BAD_IPV4),
            ("https://[::1/v1.0", BAD_IPV6),
            ("https://[::1]x/v1.0", BAD_IPV6),
            ("https://[::1%25eth0]/v1.0", BAD_IPV6),
            ("https://[1:2:3:4:5:6:7:8:9]/v1.0", BAD_IPV6),
            ("https://api.toriihq.com/v1%2", BAD_PERCENT),
            ("https://api.toriihq.com/v1%g0", BAD_PERCENT),
            ("https://api.toriihq.com/v1%+0", BAD_PERCENT),
            ("https://api.toriihq.com/v 1.0", MUST_ENCODE),
            ("https://api.toriihq.com/v1.0/\"x\"", MUST_ENCODE),
            ("https://api.toriihq.com/v1.0|x", MUST_ENCODE),
            ("https://api.toriihq.com/v1.0/é", MUST_ENCODE),
            ("https://api.toriihq.com//v1.0", EMPTY_SEGMENT),
            ("https://api.toriihq.com/v1.0//files", EMPTY_SEGMENT),
        ] {
            let message = refusal(bad);
            assert!(message.contains(why), "{bad:?}: {message}");
        }
    }

    #[test]
    fn errors_show_the_url_but_no_credentials_or_control_characters() {
        let message = refusal("https://ops:s3cr3t@api.toriihq.com/v1.0");
        assert!(
            !message.contains("s3cr3t") && !message.contains("ops"),
            "{message}"
        );
        let message = refusal("https://api.toriihq.com/v1.0\r\nX: y");
        assert!(!message.contains(['\r', '\n']), "{message}");
        assert!(
            refusal("https://api.toriihq.com//v1.0").contains("\"https://api.toriihq.com//v1.0\"")
        );
    }

    #[test]
    fn upload_urls_are_classified_by_the_host_fetch_would_use() {
        for (url, security) in [
            (
                "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=a%2Fb&x=\\",
                Some(UrlSecurity::Https),
            ),
            ("HTTPS://S3.example/u", Some(UrlSecurity::Https)),
            (
                "http://127.0.0.1:9/upload/1?sig=x",
                Some(UrlSecurity::LoopbackHttp),
            ),
            ("http://127.1:9/u", Some(UrlSecurity::LoopbackHttp)),
            ("http://localhost/u", Some(UrlSecurity::LoopbackHttp)),
            ("http://[::1]:9/u", Some(UrlSecurity::LoopbackHttp)),
            ("http://evil.example/u", None),
            ("http://127.0.0.1.evil.example/u", None),
            ("http://127.foo/u", None),
            ("http://evil.example\\@127.0.0.1/u", None),
            ("http://127.0.0.1\\@evil.example/u", None),
            ("http://127.0.0.1@evil.example/u", None),
            ("http:\\\\127.0.0.1/u", None),
            ("http:///127.0.0.1/u", None),
            ("ftp://127.0.0.1/u", None),
            (" https://s3.example/u", None),
            ("", None),
        ] {
            assert_eq!(url_security(url), security, "{url}");
        }
    }

    #[test]
    fn accounts_are_trimmed_and_checked() {
        assert!(Target::new(None, "").is_err());
        assert!(Target::new(None, "7 7").is_err());
        assert!(Target::new(None, "12345").unwrap().account_is_number());
        assert!(!Target::new(None, "abc").unwrap().account_is_number());
        assert!(!Target::new(None, "99999999999999999999")
            .unwrap()
            .account_is_number());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Choices drawn from one seed, so a seed spells a whole URL.
    struct Choices(u64);

    impl Choices {
        fn pick(&mut self, n: usize) -> usize {
            // xorshift64*: the seed is never zero after the `| 1`.
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
        }

        fn coin(&mut self) -> bool {
            self.pick(2) == 0
        }

        fn one<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.pick(items.len())]
        }
    }

    /// Normalised hosts, whether they are loopback, and other spellings
    /// WHATWG URL parsing reads as the same host.
    const HOSTS: &[(&str, bool, &[&str])] = &[
        (
            "api.toriihq.com",
            false,
            &["API.ToriiHQ.com", "api.toriihq.com.", "Api.Toriihq.Com."],
        ),
        ("torii.example.com", false, &["Torii.Example.COM."]),
        (
            "127.0.0.1",
            true,
            &[
                "127.1",
                "127.0.1",
                "0x7f.0.0.1",
                "0X7F.0x0.0.01",
                "0177.0.0.1",
                "2130706433",
                "0x7f000001",
                "127.0.0.1.",
            ],
        ),
        (
            "localhost",
            true,
            &["LOCALHOST", "localhost.", "LocalHost."],
        ),
        (
            "[::1]",
            true,
            &["[0:0:0:0:0:0:0:1]", "[::0001]", "[0::1]", "[0:0::0:1]"],
        ),
        (
            "[2001:db8::1:0:0:1]",
            false,
            &["[2001:0DB8:0:0:1:0:0:1]", "[2001:db8:0:0:1::1]"],
        ),
    ];
    const SEGMENTS: &[&str] = &["v1.0", "v1.1", "api", "a~b_c-d", "x%2Fy", "!$&'()*+,;=:@"];
    /// Path pieces that resolve to nothing.
    const NOTHING: &[&str] = &[
        "",
        "/.",
        "/%2e",
        "/x/..",
        "/x/.%2E",
        "/x/%2E%2e",
        "/x/y/../..",
    ];

    /// A segment with some unreserved characters percent-encoded and
    /// escapes in either case.
    fn spell_segment(segment: &str, c: &mut Choices) -> String {
        let mut out = String::new();
        let mut bytes = segment.bytes();
        while let Some(b) = bytes.next() {
            if b == b'%' {
                let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                let hex = if c.coin() {
                    hex.to_ascii_lowercase()
                } else {
                    hex
                };
                out.push('%');
                out.push_str(&hex);
            } else if is_unreserved(b) && c.pick(4) == 0 {
                let escape = format!("%{b:02X}");
                out.push_str(&if c.coin() {
                    escape.to_ascii_lowercase()
                } else {
                    escape
                });
            } else {
                out.push(char::from(b));
            }
        }
        out
    }

    fn random_case(text: &str, c: &mut Choices) -> String {
        text.chars()
            .map(|ch| {
                if c.coin() {
                    ch.to_ascii_uppercase()
                } else {
                    ch
                }
            })
            .collect()
    }

    /// A normalised base URL and one random spelling of it.
    fn spelling(seed: u64) -> (String, String) {
        let c = &mut Choices(seed | 1);
        let (host, loopback, others) = HOSTS[c.pick(HOSTS.len())];
        let https = !loopback || c.coin();
        let scheme = if https { "https" } else { "http" };
        let zeros = "0".repeat(c.pick(4));
        let (port, spelled_port) = match c.pick(3) {
            0 => {
                let default = if https { "443" } else { "80" };
                let spelled = match c.pick(3) {
                    0 => String::new(),
                    1 => ":".to_string(),
                    _ => format!(":{zeros}{default}"),
                };
                (String::new(), spelled)
            }
            1 => (":8443".to_string(), format!(":{zeros}8443")),
            _ => (":18787".to_string(), format!(":{zeros}18787")),
        };
        let mut path = String::new();
        let mut spelled_path = c.one(&["", "/..", "/../.."]).to_string();
        for _ in 0..c.pick(4) {
            let segment = c.one(SEGMENTS);
            path.push('/');
            path.push_str(segment);
            spelled_path.push_str(c.one(NOTHING));
            spelled_path.push('/');
            spelled_path.push_str(&spell_segment(segment, c));
        }
        spelled_path.push_str(c.one(NOTHING));
        spelled_path.push_str(&"/".repeat(c.pick(3)));
        let spelled_host = if c.coin() { host } else { c.one(others) };
        let canonical = format!("{scheme}://{host}{port}{path}");
        let spelled = format!(
            "{}://{spelled_host}{spelled_port}{spelled_path}",
            random_case(scheme, c)
        );
        (canonical, spelled)
    }

    /// Text that is often nearly a URL.
    fn url_like() -> impl Strategy<Value = String> {
        prop_oneof![
            "[hH][tT][tT][pP][sS]?://(\\[[0-9a-fA-F:.%]{0,12}\\]|[a-zA-Z0-9.x-]{0,14})(:[0-9]{0,7})?(/[a-zA-Z0-9.%~_@:-]{0,6}){0,4}/{0,2}",
            "[hH][tT][tT][pP][sS]?:[/\\\\]{0,3}[a-z0-9.:@\\[\\]%/\\\\?# -]{0,24}",
            "\\PC{0,30}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn spellings_of_a_url_share_its_key(seed in any::<u64>()) {
            let (canonical, spelled) = spelling(seed);
            let target = Target::new(Some(&spelled), "777")
                .map_err(|e| TestCaseError::fail(format!("{spelled}: {e}")))?;
            prop_assert_eq!(target.base_url(), canonical.as_str(), "spelled {}", spelled);
            let normal = Target::new(Some(&canonical), "0777").unwrap();
            prop_assert_eq!(normal.key(), target.key());
            prop_assert_eq!(normal.key(), format!("{canonical}#777"));
        }

        #[test]
        fn any_text_is_normalised_once_or_refused(url in url_like()) {
            match Target::new(Some(&url), "1") {
                Ok(target) => {
                    let again = Target::new(Some(target.base_url()), "1").unwrap();
                    prop_assert_eq!(again.base_url(), target.base_url());
                    prop_assert_eq!(url_security(target.base_url()), Some(target.security()));
                    prop_assert!(
                        target.base_url().starts_with("https://")
                            || (target.security() == UrlSecurity::LoopbackHttp
                                && target.base_url().starts_with("http://"))
                    );
                }
                Err(e) => prop_assert_eq!(e.code(), "invalid_config"),
            }
            let _ = url_security(&url);
        }
    }
}
