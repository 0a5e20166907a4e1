//! The values an account is made of: e-mail, password, user type, username, phone, and the
//! free-text profile fields.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use secrecy::{ExposeSecret, SecretString};

use super::Invalid;

/// An e-mail address, trimmed and lower-cased (addresses are compared case-insensitively).
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim().to_lowercase();
        let invalid = || Invalid::new("is not a valid e-mail address");
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(invalid());
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let tld_ok = labels
            .last()
            .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
        if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    // Addresses are personal data: debug output keeps only the domain.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map_or("", |(_, d)| d);
        write!(f, "Email(***@{domain})")
    }
}

/// The built-in list of passwords too common to accept (lower-case, one per line).
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .collect()
});

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// A new password that meets the rules. Never printed.
pub struct Password(SecretString);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(Invalid::new(format!(
                "must be at least {PASSWORD_MIN_CHARS} characters"
            )));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(Invalid::new(format!(
                "must be at most {PASSWORD_MAX_CHARS} characters"
            )));
        }
        if raw.trim().is_empty() {
            return Err(Invalid::new("must not be only spaces"));
        }
        if COMMON_PASSWORDS.contains(raw.to_lowercase().as_str()) {
            return Err(Invalid::new(
                "is one of the most common passwords and easy to guess; choose another",
            ));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The kinds of account a person may register as. Administrators are not one of them: that
/// flag is set only from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    Freelancer,
    Client,
    Employer,
    Recruiter,
}

impl UserType {
    pub const ALL: [UserType; 4] = [
        Self::Freelancer,
        Self::Client,
        Self::Employer,
        Self::Recruiter,
    ];

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let lowered = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == lowered)
            .ok_or_else(|| Invalid::new("must be one of freelancer, client, employer, recruiter"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Freelancer => "freelancer",
            Self::Client => "client",
            Self::Employer => "employer",
            Self::Recruiter => "recruiter",
        }
    }
}

/// Names that would read as official or collide with routes under `/api/users/`.
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "api",
    "follow",
    "followers",
    "following",
    "hireme",
    "hiremebahamas",
    "list",
    "me",
    "moderator",
    "null",
    "root",
    "search",
    "support",
    "system",
    "undefined",
    "unfollow",
];

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 30;

/// A username: 3 to 30 letters, digits, `_` or `.`, with at least one letter (so it can never
/// be mistaken for a numeric id in `/api/users/{id or username}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        let len = name.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
            return Err(Invalid::new(format!(
                "must be {USERNAME_MIN} to {USERNAME_MAX} characters"
            )));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return Err(Invalid::new(
                "may contain only letters, digits, underscores and dots",
            ));
        }
        if !name.chars().any(|c| c.is_ascii_alphabetic()) {
            return Err(Invalid::new("must contain at least one letter"));
        }
        if name.starts_with('.') || name.ends_with('.') || name.contains("..") {
            return Err(Invalid::new(
                "must not start or end with a dot, or repeat dots",
            ));
        }
        if RESERVED_USERNAMES.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(Invalid::new("is reserved; choose another"));
        }
        Ok(Self(name.to_owned()))
    }

    /// A candidate made from a person's names (`Jane Doe` → `janedoe`), for registrations that
    /// give none. The caller adds a suffix when it is taken.
    pub fn base_from_names(first: &str, last: &str) -> String {
        let mut base: String = format!("{first}{last}")
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(20)
            .collect();
        if !base.chars().any(|c| c.is_ascii_alphabetic()) {
            base.insert_str(0, "user");
        }
        while base.len() < USERNAME_MIN {
            base.push('x');
        }
        if RESERVED_USERNAMES.contains(&base.as_str()) {
            base.push_str("user");
        }
        base
    }

    /// `base` with a numeric suffix, kept within the length limit.
    pub fn with_suffix(base: &str, suffix: u32) -> Self {
        let suffix = suffix.to_string();
        let keep = USERNAME_MAX - suffix.len();
        let base: String = base.chars().take(keep).collect();
        Self(format!("{base}{suffix}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number, kept as digits with an optional leading `+` (spaces, dashes, dots and
/// brackets removed), 7 to 15 digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        let (plus, rest) = match raw.strip_prefix('+') {
            Some(rest) => ("+", rest),
            None => ("", raw),
        };
        let mut digits = String::new();
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(Invalid::new("is not a valid phone number")),
            }
        }
        if !(7..=15).contains(&digits.len()) {
            return Err(Invalid::new("must have 7 to 15 digits"));
        }
        Ok(Self(format!("{plus}{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Phone(***)")
    }
}

/// What a person signs in with: the `email` field of a login may hold a phone number.
#[derive(Debug, Clone)]
pub enum LoginId {
    Email(Email),
    Phone(Phone),
}

impl LoginId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.contains('@') {
            Email::parse(raw).map(Self::Email)
        } else {
            Phone::parse(raw)
                .map(Self::Phone)
                .map_err(|_| Invalid::new("must be an e-mail address or a phone number"))
        }
    }

    /// A stable key for per-account limits and log lines (never shown as such).
    pub fn key(&self) -> &str {
        match self {
            Self::Email(e) => e.as_str(),
            Self::Phone(p) => p.as_str(),
        }
    }
}

/// A trimmed free-text field with a length limit; empty means "none".
pub struct ProfileText;

impl ProfileText {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Option<String>, Invalid> {
        let text = raw.trim();
        if text.chars().count() > max_chars {
            return Err(Invalid::new(format!(
                "must be at most {max_chars} characters"
            )));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(Invalid::new("must not contain control characters"));
        }
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }

    /// A required single-line name: 1 to `max_chars` characters.
    pub fn name(raw: &str, max_chars: usize) -> Result<String, Invalid> {
        if raw.contains(['\n', '\r']) {
            return Err(Invalid::new("must be a single line"));
        }
        Self::parse(raw, max_chars)?.ok_or_else(|| Invalid::new("must not be empty"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Jane.Doe@Example.COM ").unwrap().as_str(),
            "jane.doe@example.com"
        );
        for bad in [
            "",
            "plain",
            "a@b",
            "a@.com",
            "@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "a..b@example.com",
            "a@-example.com",
            "a@example.c0m",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(!format!("{:?}", Email::parse("jane@example.com").unwrap()).contains("jane"));
    }

    #[test]
    fn passwords_must_be_long_enough_short_enough_and_uncommon() {
        assert!(Password::parse("short1!").is_err());
        assert!(Password::parse(&"x1".repeat(65)).is_err());
        assert!(Password::parse(&"x1".repeat(64)).is_ok());
        for weak in [
            "password",
            "Password1",
            "12345678",
            "qwertyuiop",
            "iloveyou",
        ] {
            let err = Password::parse(weak).unwrap_err();
            assert!(err.0.contains("common"), "{weak}: {err}");
        }
        assert!(Password::parse("correct horse battery").is_ok());
        assert!(Password::parse("        ").is_err());
        assert!(COMMON_PASSWORDS.len() > 4000);
    }

    #[test]
    fn only_the_four_user_types_are_accepted() {
        assert_eq!(UserType::parse("Employer").unwrap(), UserType::Employer);
        for bad in ["admin", "", "superuser", "job_seeker"] {
            assert!(UserType::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames_follow_the_rules_and_can_be_made_from_names() {
        assert!(Username::parse("jane_doe.2").is_ok());
        for bad in [
            "ab",
            "12345",
            "jane doe",
            "admin",
            ".jane",
            "jane..doe",
            &"a".repeat(31),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Username::base_from_names("Jane", "O'Doe"), "janeodoe");
        assert_eq!(Username::base_from_names("李", "王"), "user");
        assert_eq!(
            Username::with_suffix(&"a".repeat(30), 1234).as_str().len(),
            USERNAME_MAX
        );
        let made = Username::base_from_names("Jo", "");
        assert!(Username::parse(&made).is_ok(), "{made}");
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            Phone::parse("(242) 555-1234").unwrap().as_str(),
            "2425551234"
        );
        assert_eq!(
            Phone::parse("+1 242.555.1234").unwrap().as_str(),
            "+12425551234"
        );
        for bad in ["123", "phone", "+1 242 555 1234 5678 9", "242-555-12a4"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_login_id_is_an_email_or_a_phone() {
        assert!(matches!(LoginId::parse("a@b.co"), Ok(LoginId::Email(_))));
        assert!(matches!(
            LoginId::parse("242 555 1234"),
            Ok(LoginId::Phone(_))
        ));
        assert!(LoginId::parse("nobody").is_err());
    }
}
