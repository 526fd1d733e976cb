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
}
