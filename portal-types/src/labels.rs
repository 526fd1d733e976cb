//! Kubernetes labels as people type them — one `key=value` per line (or separated by commas) —
//! checked with the rules the API server applies, the same code in the browser and on the
//! server.

use std::collections::BTreeMap;

/// The longest name part of a key, and the longest value.
const NAME_MAX: usize = 63;
/// The longest prefix (a DNS subdomain) of a key.
const PREFIX_MAX: usize = 253;

fn is_name(part: &str) -> bool {
    let bytes = part.as_bytes();
    !part.is_empty()
        && part.len() <= NAME_MAX
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_prefix(prefix: &str) -> bool {
    prefix.len() <= PREFIX_MAX
        && prefix.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Why `key` is not a valid label key, if it is not.
pub fn key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && !is_prefix(prefix)
    {
        return Some(format!(
            "label key {key:?}: the prefix before '/' must be a DNS subdomain (lower-case letters, digits, '-' and '.', at most {PREFIX_MAX} characters)"
        ));
    }
    if !is_name(name) {
        return Some(format!(
            "label key {key:?}: the name must be 1–{NAME_MAX} characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        ));
    }
    None
}

/// Why `value` is not a valid label value, if it is not.
pub fn value_problem(key: &str, value: &str) -> Option<String> {
    (!value.is_empty() && !is_name(value)).then(|| {
        format!(
            "label {key}: the value must be empty or 1–{NAME_MAX} characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    })
}

/// Parses `key=value` entries, one per line or separated by commas; blank entries are
/// skipped. The error says which entry is wrong and what is allowed.
pub fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut labels = BTreeMap::new();
    for entry in text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let Some((key, value)) = entry.split_once('=') else {
            return Err(format!(
                "{entry:?} is not key=value: write each label as key=value"
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        if let Some(problem) = key_problem(key).or_else(|| value_problem(key, value)) {
            return Err(problem);
        }
        if labels.insert(key.to_owned(), value.to_owned()).is_some() {
            return Err(format!("label key {key:?} appears twice"));
        }
    }
    Ok(labels)
}

/// Labels as the form shows them: one `key=value` per line.
pub fn format_labels<'a>(labels: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    labels
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One requirement of a label selector, as Kubernetes writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value` or `key==value`.
    Equals(String, String),
    /// `key!=value` (true when the key is absent too).
    NotEquals(String, String),
    /// `key in (a,b)`.
    In(String, Vec<String>),
    /// `key notin (a,b)` (true when the key is absent too).
    NotIn(String, Vec<String>),
    /// `key`.
    Exists(String),
    /// `!key`.
    Absent(String),
}

impl Requirement {
    /// Whether `labels` meet it.
    pub fn holds(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, set) => labels.get(k).is_some_and(|v| set.contains(v)),
            Requirement::NotIn(k, set) => labels.get(k).is_none_or(|v| !set.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::Absent(k) => !labels.contains_key(k),
        }
    }
}

/// The requirements of a selector split at its top-level commas (commas inside `( )` belong to
/// a set).
fn split_requirements(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut current) = (0usize, String::new());
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| "a ')' without its '('".to_owned())?;
                current.push(c);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if depth > 0 {
        return Err("a '(' is not closed".into());
    }
    parts.push(current);
    Ok(parts.into_iter().map(|p| p.trim().to_owned()).collect())
}

fn checked_key(key: &str) -> Result<String, String> {
    let key = key.trim();
    match key_problem(key) {
        Some(problem) => Err(problem),
        None => Ok(key.to_owned()),
    }
}

fn checked_value(key: &str, value: &str) -> Result<String, String> {
    let value = value.trim();
    match value_problem(key, value) {
        Some(problem) => Err(problem),
        None => Ok(value.to_owned()),
    }
}

/// What follows `key operator` in a requirement.
fn after_operator<'a>(part: &'a str, key: &str, operator: &str) -> &'a str {
    part.trim_start()[key.len()..]
        .trim_start()
        .strip_prefix(operator)
        .unwrap_or_default()
}

/// Reads a label selector as `kubectl -l` takes it: requirements separated by commas, each
/// `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key` or
/// `!key`; keys and values checked as labels are. Empty text selects everything.
pub fn parse_selector(text: &str) -> Result<Vec<Requirement>, String> {
    if text.trim().is_empty() {
        return Ok(vec![]);
    }
    let mut requirements = Vec::new();
    for part in split_requirements(text)? {
        if part.is_empty() {
            return Err("an empty requirement between two commas".into());
        }
        let set = |key: &str, rest: &str| -> Result<(String, Vec<String>), String> {
            let key = checked_key(key)?;
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| {
                    format!("{part:?}: the values go in parentheses, e.g. {key} in (a,b)")
                })?;
            let values = inner
                .split(',')
                .map(|v| checked_value(&key, v))
                .collect::<Result<Vec<_>, _>>()?;
            if values.iter().all(String::is_empty) {
                return Err(format!("{part:?}: name at least one value"));
            }
            Ok((key, values))
        };
        let words: Vec<&str> = part.split_whitespace().collect();
        let requirement = if let Some(key) = part.strip_prefix('!') {
            Requirement::Absent(checked_key(key)?)
        } else if let Some((key, value)) = part.split_once("!=") {
            let key = checked_key(key)?;
            let value = checked_value(&key, value)?;
            Requirement::NotEquals(key, value)
        } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
            let key = checked_key(key)?;
            let value = checked_value(&key, value)?;
            Requirement::Equals(key, value)
        } else if words.len() >= 2 && words[1] == "notin" {
            let rest = after_operator(&part, words[0], "notin");
            let (key, values) = set(words[0], rest)?;
            Requirement::NotIn(key, values)
        } else if words.len() >= 2 && words[1] == "in" {
            let rest = after_operator(&part, words[0], "in");
            let (key, values) = set(words[0], rest)?;
            Requirement::In(key, values)
        } else if words.len() == 1 {
            Requirement::Exists(checked_key(words[0])?)
        } else {
            return Err(format!(
                "{part:?} is not a requirement: write key=value, key!=value, key in (a,b), key notin (a,b), key or !key"
            ));
        };
        requirements.push(requirement);
    }
    Ok(requirements)
}

/// Whether `labels` meet every requirement.
pub fn selects(requirements: &[Requirement], labels: &BTreeMap<String, String>) -> bool {
    requirements.iter().all(|r| r.holds(labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_commas_separate_labels() {
        let labels = parse_labels("team=web\n app.kubernetes.io/part-of = shop , tier=").unwrap();
        assert_eq!(labels["team"], "web");
        assert_eq!(labels["app.kubernetes.io/part-of"], "shop");
        assert_eq!(labels["tier"], "");
        assert_eq!(format_labels(&labels).lines().count(), 3);
        assert!(parse_labels("  \n").unwrap().is_empty());
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        assert!(parse_labels("team").unwrap_err().contains("key=value"));
        assert!(parse_labels("-team=web").unwrap_err().contains("name"));
        assert!(
            parse_labels("Bad_Prefix/x=1")
                .unwrap_err()
                .contains("prefix")
        );
        assert!(parse_labels("team=web app").unwrap_err().contains("value"));
        assert!(parse_labels(&format!("k={}", "v".repeat(64))).is_err());
        assert!(parse_labels("a=1,a=2").unwrap_err().contains("twice"));
    }

    #[test]
    fn a_selector_reads_as_kubectl_reads_it() {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let prod = labels(&[("env", "prod"), ("team", "a")]);
        let legacy = labels(&[("env", "dev"), ("legacy", "yes"), ("team", "c")]);
        let picks = |selector: &str| -> Vec<bool> {
            let requirements = parse_selector(selector).expect(selector);
            [&prod, &legacy]
                .iter()
                .map(|l| selects(&requirements, l))
                .collect()
        };
        assert_eq!(picks(""), [true, true]);
        assert_eq!(picks("env=prod"), [true, false]);
        assert_eq!(picks("env==prod"), [true, false]);
        assert_eq!(picks("env!=prod"), [false, true]);
        assert_eq!(picks("team in (a,b)"), [true, false]);
        assert_eq!(picks("team notin (a, b)"), [false, true]);
        assert_eq!(picks("!legacy"), [true, false]);
        assert_eq!(picks("legacy"), [false, true]);
        assert_eq!(picks("env=prod, team in (a,b), !legacy"), [true, false]);
        assert_eq!(
            picks("owner!=x"),
            [true, true],
            "!= holds when the key is absent"
        );
        assert_eq!(
            parse_selector("team in (a,b)").unwrap(),
            [Requirement::In("team".into(), vec!["a".into(), "b".into()])]
        );
        for bad in [
            "env=prod,",
            "team in a,b",
            "team in (a",
            "a b c",
            "bad key=1",
            "env=no spaces",
        ] {
            assert!(parse_selector(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(
            parse_selector("team in a")
                .unwrap_err()
                .contains("parentheses")
        );
    }
}
