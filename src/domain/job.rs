//! The values a job posting is made of: salary ranges typed by people, skills in either form,
//! statuses and budget types.

use serde::Deserialize;

use super::Invalid;

/// Numbers read from a salary text such as `$40,000 - $60,000`, `From $40000`, `Up to $60000`
/// or `40k-60k`. Text that cannot be read gives neither bound (and is kept as typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SalaryRange {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl SalaryRange {
    pub fn parse(text: &str) -> Self {
        let lower = text.to_lowercase().replace(['–', '—'], "-");
        let numbers = numbers_in(&lower);
        let upper_only = ["up to", "upto", "max", "under", "below", "less than"]
            .iter()
            .any(|w| lower.contains(w));
        let lower_only = ["from", "min", "starting", "at least", "over", "above"]
            .iter()
            .any(|w| lower.contains(w))
            || lower.trim_end().ends_with('+');
        match numbers.as_slice() {
            [n] if upper_only => Self {
                min: None,
                max: Some(*n),
            },
            [n] if lower_only => Self {
                min: Some(*n),
                max: None,
            },
            [n] => Self {
                min: Some(*n),
                max: Some(*n),
            },
            [a, b] => Self {
                min: Some(*a.min(b)),
                max: Some(*a.max(b)),
            },
            _ => Self::default(),
        }
    }
}

/// Amounts in a text: digits with thousands separators and decimals, optionally `k` or `m`.
/// In `40-60k` the `k` applies to both.
fn numbers_in(text: &str) -> Vec<i64> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<(f64, Option<f64>)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut digits = String::new();
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ',' || chars[i] == '.') {
            if chars[i] != ',' {
                digits.push(chars[i]);
            }
            i += 1;
        }
        let multiplier = match chars.get(i) {
            Some('k') => Some(1_000.0),
            Some('m') if !matches!(chars.get(i + 1), Some('o')) => Some(1_000_000.0),
            _ => None,
        };
        if let Ok(value) = digits.trim_end_matches('.').parse::<f64>() {
            found.push((value, multiplier));
        }
    }
    let shared = found.last().and_then(|(_, m)| *m);
    found
        .iter()
        .map(|(v, m)| {
            let m = m.or(if *v < 1000.0 { shared } else { None }).unwrap_or(1.0);
            (v * m).round() as i64
        })
        .filter(|n| *n > 0)
        .collect()
}

/// Skills as an array of strings or one comma-separated string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SkillsInput {
    List(Vec<String>),
    Text(String),
}

pub const MAX_SKILLS: usize = 50;
pub const MAX_SKILL_CHARS: usize = 50;

/// Trimmed, de-duplicated skills; each at most 50 characters, at most 50 of them. Commas split
/// skills, so none contains one.
pub fn parse_skills(input: &SkillsInput) -> Result<Vec<String>, Invalid> {
    let parts: Vec<String> = match input {
        SkillsInput::List(items) => items
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::to_owned)
            .collect(),
        SkillsInput::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    let mut skills: Vec<String> = Vec::new();
    for part in parts {
        let skill = part.trim();
        if skill.is_empty() {
            continue;
        }
        if skill.chars().count() > MAX_SKILL_CHARS {
            return Err(Invalid::new(format!(
                "each skill must be at most {MAX_SKILL_CHARS} characters"
            )));
        }
        if !skills.iter().any(|s| s.eq_ignore_ascii_case(skill)) {
            skills.push(skill.to_owned());
        }
    }
    if skills.len() > MAX_SKILLS {
        return Err(Invalid::new(format!("at most {MAX_SKILLS} skills")));
    }
    Ok(skills)
}

/// Skills as stored (comma-separated) back into a list.
pub fn skills_from_stored(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every word of a text (each run of letters and digits), lower-cased: how a search, a filter
/// value and a scored field are split alike.
pub fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// How well a job found by a search matches its words: for each word, 10 when the title has it,
/// plus 4 for the company and 4 for the skills; a word found only in the description counts 1.
/// Words are compared as the index stems them, roughly: `nurses` has `nurse` and `nursing`, and
/// the last word may be the start of a longer one (as typed so far).
pub fn search_score(words: &[String], title: &str, company: &str, skills: &str) -> u32 {
    let fields =
        [(title, 10), (company, 4), (skills, 4)].map(|(text, weight)| (words_of(text), weight));
    words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let last = i + 1 == words.len();
            let score: u32 = fields
                .iter()
                .filter(|(tokens, _)| tokens.iter().any(|t| same_word(word, t, last)))
                .map(|(_, weight)| weight)
                .sum();
            score.max(1)
        })
        .sum()
}

/// Whether `token` is `word` up to its ending: they share a stem of all but the word's last
/// three characters (at least four, or the whole of a shorter word) and differ in length by at
/// most three. When `word` is the last one typed, any longer word it starts also counts.
fn same_word(word: &str, token: &str, last: bool) -> bool {
    if last && token.starts_with(word) {
        return true;
    }
    let chars = word.chars().count();
    let stem_len = chars.saturating_sub(3).max(chars.min(4));
    let stem: String = word.chars().take(stem_len).collect();
    token.starts_with(&stem) && token.chars().count().abs_diff(chars) <= 3
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Active,
    Inactive,
    Closed,
}

impl JobStatus {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            "closed" => Ok(Self::Closed),
            _ => Err(Invalid::new("must be active, inactive or closed")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationStatus {
    Pending,
    Accepted,
    Rejected,
}

impl ApplicationStatus {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pending" => Ok(Self::Pending),
            "accepted" => Ok(Self::Accepted),
            "rejected" => Ok(Self::Rejected),
            _ => Err(Invalid::new("must be pending, accepted or rejected")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }
}

pub fn parse_budget_type(raw: &str) -> Result<&'static str, Invalid> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "fixed" => Ok("fixed"),
        "hourly" => Ok("hourly"),
        _ => Err(Invalid::new("must be fixed or hourly")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> (Option<i64>, Option<i64>) {
        let r = SalaryRange::parse(text);
        (r.min, r.max)
    }

    #[test]
    fn salary_texts_people_type_are_read() {
        assert_eq!(range("$40,000 - $60,000"), (Some(40_000), Some(60_000)));
        assert_eq!(range("From $40000"), (Some(40_000), None));
        assert_eq!(range("Up to $60000"), (None, Some(60_000)));
        assert_eq!(range("40k-60k"), (Some(40_000), Some(60_000)));
        assert_eq!(range("40-60k"), (Some(40_000), Some(60_000)));
        assert_eq!(range("$45K – $55K per year"), (Some(45_000), Some(55_000)));
        assert_eq!(range("$50,000"), (Some(50_000), Some(50_000)));
        assert_eq!(range("60000+"), (Some(60_000), None));
        assert_eq!(range("1.5m - 2m"), (Some(1_500_000), Some(2_000_000)));
        assert_eq!(
            range("$60,000 - $40,000"),
            (Some(40_000), Some(60_000)),
            "never min above max"
        );
    }

    #[test]
    fn unreadable_salary_texts_give_no_numbers() {
        for text in ["Competitive", "Negotiable", "", "DOE", "1 - 2 - 3 thousand"] {
            assert_eq!(range(text), (None, None), "{text}");
        }
    }

    #[test]
    fn search_score_weighs_the_title_above_the_company_skills_and_description() {
        let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let nurse = words("nurse");
        assert_eq!(search_score(&nurse, "Senior Nurse", "Clinic", "care"), 10);
        assert_eq!(search_score(&nurse, "Manager", "Nurses Ltd", "nursing"), 8);
        assert_eq!(search_score(&nurse, "Manager", "Clinic", "care"), 1);
        // Endings differ, the stem is the same.
        assert_eq!(search_score(&words("nurses"), "Nurse", "", ""), 10);
        assert_eq!(search_score(&words("nursing"), "Nurses", "", ""), 10);
        // The last word may be unfinished; an earlier one that only starts alike is another
        // word.
        assert_eq!(search_score(&words("car"), "Caretaker", "", ""), 10);
        assert_eq!(
            search_score(&words("senior car"), "Senior Caretaker", "", ""),
            20
        );
        assert_eq!(
            search_score(&words("car senior"), "Senior Caretaker", "", ""),
            11
        );
        // Every word counts at least once: the index matched it somewhere.
        assert_eq!(
            search_score(&words("rust sql"), "Rust developer", "", "SQL"),
            14
        );
    }

    #[test]
    fn skills_come_as_a_list_or_a_comma_string_and_leave_as_a_list() {
        let from_text = parse_skills(&SkillsInput::Text(" Rust, SQL ,, rust,Go ".into())).unwrap();
        assert_eq!(from_text, ["Rust", "SQL", "Go"]);
        let from_list = parse_skills(&SkillsInput::List(vec![
            "Rust".into(),
            "SQL, Go".into(),
            " ".into(),
        ]))
        .unwrap();
        assert_eq!(from_list, ["Rust", "SQL", "Go"]);
        assert_eq!(skills_from_stored("Rust,SQL,Go"), ["Rust", "SQL", "Go"]);
        assert!(parse_skills(&SkillsInput::Text("x".repeat(51))).is_err());
        let many: Vec<String> = (0..51).map(|i| format!("s{i}")).collect();
        assert!(parse_skills(&SkillsInput::List(many)).is_err());
    }
}
