//! Parameter values: from form text to typed template values, with a specific error for each
//! value that is refused.

use std::collections::BTreeMap;

use minijinja::Value;
use regex::Regex;

use portal_types::catalog::{ParamKind, ParamSpec};
use portal_types::error::FieldError;

/// A parameter with its compiled pattern.
#[derive(Clone, Debug)]
pub struct Param {
    pub spec: ParamSpec,
    /// Anchored: matched against the whole value (each item for lists).
    pub pattern: Option<Regex>,
}

/// Reads `form` (parameter name → text, as the form sends it) into template values. A
/// parameter the form does not mention takes its default; names that are not parameters are
/// ignored. Every refused value gets its own error.
pub fn parse(
    params: &[Param],
    form: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Value>, Vec<FieldError>> {
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for param in params {
        let text = form.get(&param.spec.name).unwrap_or(&param.spec.default);
        match parse_one(param, text) {
            Ok(value) => {
                values.insert(param.spec.name.clone(), value);
            }
            Err(message) => errors.push(FieldError::new(&param.spec.name, message)),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// Largest value of one parameter, in bytes, before anything else is looked at (a list of
/// domains or namespaces fits many times over).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Most items a list takes when its entry sets no `max_items`.
pub const MAX_LIST_ITEMS: usize = 1000;

/// One parameter's value, or what is wrong with it. Costs time linear in the text's length.
pub fn parse_one(param: &Param, text: &str) -> Result<Value, String> {
    if text.len() > MAX_VALUE_BYTES {
        return Err(format!(
            "must be at most {} KiB (it has {} KiB)",
            MAX_VALUE_BYTES / 1024,
            text.len().div_ceil(1024)
        ));
    }
    let pattern_help = |help: &Option<String>| {
        help.clone()
            .unwrap_or_else(|| "a value of the required form".into())
    };
    match &param.spec.kind {
        ParamKind::Text {
            pattern_help: help,
            min_length,
            max_length,
        } => {
            let text = text.trim();
            check_characters(text)?;
            let length = text.chars().count();
            if length < *min_length {
                return Err(if *min_length == 1 {
                    "is required".to_string()
                } else {
                    format!("must be at least {min_length} characters")
                });
            }
            if let Some(max) = max_length
                && length > *max
            {
                return Err(format!(
                    "must be at most {max} characters (it has {length})"
                ));
            }
            if let Some(pattern) = &param.pattern
                && !(text.is_empty() && *min_length == 0)
                && !pattern.is_match(text)
            {
                return Err(format!("must be {}", pattern_help(help)));
            }
            Ok(Value::from(text))
        }
        ParamKind::Integer { min, max } => {
            let text = text.trim();
            let number: i64 = text
                .parse()
                .map_err(|_| format!("must be a whole number, not {text:?}"))?;
            match (min, max) {
                (Some(min), Some(max)) if number < *min || number > *max => {
                    Err(format!("must be between {min} and {max}"))
                }
                (Some(min), _) if number < *min => Err(format!("must be at least {min}")),
                (_, Some(max)) if number > *max => Err(format!("must be at most {max}")),
                _ => Ok(Value::from(number)),
            }
        }
        ParamKind::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" => Ok(Value::from(true)),
            "false" | "off" | "no" | "0" | "" => Ok(Value::from(false)),
            other => Err(format!("must be true or false, not {other:?}")),
        },
        ParamKind::Choice { options } => {
            let text = text.trim();
            if options.iter().any(|o| o == text) {
                Ok(Value::from(text))
            } else {
                Err(format!("must be one of {}", options.join(", ")))
            }
        }
        ParamKind::List {
            pattern_help: help,
            min_items,
            max_items,
        } => {
            let items: Vec<&str> = text
                .split(['\n', ','])
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .collect();
            // The count first: no per-item work on a list that is too long.
            let max = max_items.unwrap_or(MAX_LIST_ITEMS);
            if items.len() > max {
                return Err(format!(
                    "takes at most {max} items (it has {})",
                    items.len()
                ));
            }
            let mut seen = std::collections::HashSet::with_capacity(items.len());
            for item in &items {
                check_characters(item)?;
                if let Some(pattern) = &param.pattern
                    && !pattern.is_match(item)
                {
                    return Err(format!("{item:?} must be {}", pattern_help(help)));
                }
                if !seen.insert(*item) {
                    return Err(format!("{item:?} is listed twice"));
                }
            }
            if items.len() < *min_items {
                return Err(if *min_items == 1 {
                    "needs at least one item".to_string()
                } else {
                    format!("needs at least {min_items} items")
                });
            }
            Ok(Value::from(
                items.into_iter().map(str::to_string).collect::<Vec<_>>(),
            ))
        }
    }
}

/// Control characters (a new line in a one-line value, say) are never meant.
fn check_characters(text: &str) -> Result<(), String> {
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!(
            "must not contain control characters (found U+{:04X})",
            c as u32
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(kind: ParamKind, default: &str, pattern: Option<&str>) -> Param {
        Param {
            spec: ParamSpec {
                name: "p".into(),
                label: "P".into(),
                help: String::new(),
                kind,
                default: default.into(),
            },
            pattern: pattern.map(|p| Regex::new(&format!("^(?:{p})$")).unwrap()),
        }
    }

    fn text(min_length: usize) -> ParamKind {
        ParamKind::Text {
            pattern_help: Some("a DNS label".into()),
            min_length,
            max_length: Some(10),
        }
    }

    #[test]
    fn text_is_trimmed_checked_and_explained() {
        let p = param(text(1), "web", Some("[a-z]+"));
        assert_eq!(parse_one(&p, " api "), Ok(Value::from("api")));
        assert_eq!(parse_one(&p, ""), Err("is required".into()));
        assert_eq!(parse_one(&p, "Web"), Err("must be a DNS label".into()));
        assert_eq!(
            parse_one(&p, "abcdefghijkl"),
            Err("must be at most 10 characters (it has 12)".into())
        );
        assert_eq!(
            parse_one(&p, "a\u{7}b"),
            Err("must not contain control characters (found U+0007)".into())
        );
        let optional = param(text(0), "", Some("[a-z]+"));
        assert_eq!(parse_one(&optional, ""), Ok(Value::from("")));
    }

    #[test]
    fn integers_booleans_and_choices() {
        let p = param(
            ParamKind::Integer {
                min: Some(1),
                max: Some(5),
            },
            "2",
            None,
        );
        assert_eq!(parse_one(&p, "3"), Ok(Value::from(3)));
        assert_eq!(parse_one(&p, "9"), Err("must be between 1 and 5".into()));
        assert_eq!(
            parse_one(&p, "two"),
            Err("must be a whole number, not \"two\"".into())
        );
        let b = param(ParamKind::Boolean, "false", None);
        assert_eq!(parse_one(&b, "on"), Ok(Value::from(true)));
        assert_eq!(parse_one(&b, ""), Ok(Value::from(false)));
        assert!(parse_one(&b, "maybe").is_err());
        let c = param(
            ParamKind::Choice {
                options: vec!["calico".into(), "cilium".into()],
            },
            "calico",
            None,
        );
        assert_eq!(parse_one(&c, "cilium"), Ok(Value::from("cilium")));
        assert_eq!(
            parse_one(&c, "flannel"),
            Err("must be one of calico, cilium".into())
        );
    }

    #[test]
    fn lists_take_lines_or_commas_and_check_each_item() {
        let p = param(
            ParamKind::List {
                pattern_help: Some("a DNS label".into()),
                min_items: 1,
                max_items: Some(3),
            },
            "a",
            Some("[a-z]+"),
        );
        assert_eq!(
            parse_one(&p, "a\n b ,c\n\n"),
            Ok(Value::from(vec!["a".to_string(), "b".into(), "c".into()]))
        );
        assert_eq!(parse_one(&p, " \n"), Err("needs at least one item".into()));
        assert_eq!(
            parse_one(&p, "a,B"),
            Err("\"B\" must be a DNS label".into())
        );
        assert_eq!(parse_one(&p, "a,a"), Err("\"a\" is listed twice".into()));
        assert_eq!(
            parse_one(&p, "a,b,c,d"),
            Err("takes at most 3 items (it has 4)".into())
        );
    }

    #[test]
    fn long_values_and_lists_are_refused_before_any_item_is_looked_at() {
        let uncapped = param(
            ParamKind::List {
                pattern_help: None,
                min_items: 0,
                max_items: None,
            },
            "",
            Some("[a-z0-9]+"),
        );
        let items = |n: usize| {
            (0..n)
                .map(|i| format!("a{i}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        assert!(parse_one(&uncapped, &items(MAX_LIST_ITEMS)).is_ok());
        assert_eq!(
            parse_one(&uncapped, &items(MAX_LIST_ITEMS + 1)),
            Err(format!(
                "takes at most {MAX_LIST_ITEMS} items (it has {})",
                MAX_LIST_ITEMS + 1
            ))
        );
        // A duplicate at the very end of a full list is still found (a set, not a scan).
        let last_twice = format!("{},a0", items(MAX_LIST_ITEMS - 1));
        assert_eq!(
            parse_one(&uncapped, &last_twice),
            Err("\"a0\" is listed twice".into())
        );
        let text = param(
            ParamKind::Text {
                pattern_help: None,
                min_length: 0,
                max_length: None,
            },
            "",
            None,
        );
        let huge = "x".repeat(MAX_VALUE_BYTES + 1);
        assert_eq!(
            parse_one(&text, &huge),
            Err("must be at most 64 KiB (it has 65 KiB)".into())
        );
        assert_eq!(
            parse_one(&uncapped, &huge).unwrap_err(),
            "must be at most 64 KiB (it has 65 KiB)"
        );
    }

    #[test]
    fn missing_values_take_defaults_and_every_error_is_kept() {
        let mut a = param(
            ParamKind::Integer {
                min: Some(1),
                max: None,
            },
            "2",
            None,
        );
        a.spec.name = "a".into();
        let mut b = param(
            ParamKind::Integer {
                min: Some(1),
                max: None,
            },
            "2",
            None,
        );
        b.spec.name = "b".into();
        let values = parse(&[a.clone(), b.clone()], &BTreeMap::new()).unwrap();
        assert_eq!(values["a"], Value::from(2));
        let form = BTreeMap::from([("a".to_string(), "0".to_string()), ("b".into(), "x".into())]);
        let errors = parse(&[a, b], &form).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }
}
