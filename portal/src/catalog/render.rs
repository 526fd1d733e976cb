//! Turning an entry's templates into Kubernetes manifests.
//!
//! Templates are MiniJinja with one rule that makes them safe: every `{{ … }}` is written out
//! as one whole YAML value (see [`write_yaml_value`]). Whatever a parameter holds — quotes, new
//! lines, `{{`, `: ` — it stays one string and cannot add keys, documents or lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use minijinja::value::ValueKind;
use minijinja::{Environment, Error, ErrorKind, Output, State, UndefinedBehavior, Value};

use portal_types::catalog::{DiffKind, DiffLine};

/// The templates of every version of one entry, ready to render.
pub struct Templates {
    env: Environment<'static>,
    /// Template names per version, in the order they are rendered (file-name order).
    files: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl Templates {
    /// An empty set with the environment every catalog template renders in.
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(write_yaml_value);
        // Nothing may opt out of the YAML writing.
        env.remove_filter("safe");
        Templates {
            env,
            files: BTreeMap::new(),
        }
    }

    /// Adds one template file of `version`; files render in the order they are added.
    pub fn add(&mut self, version: &str, file: &str, source: String) -> Result<(), String> {
        let name = format!("{version}/{file}");
        self.env
            .add_template_owned(name.clone(), source)
            .map_err(|e| describe(&e))?;
        self.files
            .entry(version.to_string())
            .or_default()
            .push(name);
        Ok(())
    }

    /// The versions that have templates.
    pub fn versions(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Renders `version` with `values` into one multi-document YAML text: a header comment,
    /// then every non-empty document with the file it came from.
    pub fn render(
        &self,
        entry: &str,
        version: &str,
        values: &BTreeMap<String, Value>,
    ) -> Result<String, String> {
        let files = self
            .files
            .get(version)
            .ok_or_else(|| format!("there is no version {version}"))?;
        let mut context = values.clone();
        context.insert(
            "entry".into(),
            Value::from(BTreeMap::from([
                ("name", Value::from(entry)),
                ("version", Value::from(version)),
            ])),
        );
        let context = Value::from(context);
        let mut out = format!("# {entry} {version}, rendered by Capstan from catalog/{entry}\n");
        for name in files {
            let text = self
                .env
                .get_template(name)
                .and_then(|t| t.render(&context))
                .map_err(|e| describe(&e))?;
            let file = name.split_once('/').map_or(name.as_str(), |(_, f)| f);
            for document in split_documents(&text) {
                let _ = write!(out, "---\n# Source: {file}\n{document}\n");
            }
        }
        Ok(out)
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

/// A template error with where it happened (`1.1.0/10-deploy.yaml line 12: …`).
fn describe(error: &Error) -> String {
    let mut text = error.to_string();
    if let (Some(name), Some(line)) = (error.name(), error.line())
        && !text.contains(name)
    {
        text = format!("{name} line {line}: {text}");
    }
    text
}

/// The documents of a rendered file: split on `---` lines, with those holding nothing but
/// blank lines and comments left out. Trailing spaces and blank lines are trimmed.
fn split_documents(text: &str) -> Vec<String> {
    let mut documents = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut flush = |lines: &mut Vec<&str>| {
        let meaningful = lines.iter().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        });
        if meaningful {
            let joined = lines
                .iter()
                .map(|l| l.trim_end())
                .collect::<Vec<_>>()
                .join("\n");
            documents.push(joined.trim_matches('\n').to_string());
        }
        lines.clear();
    };
    for line in text.lines() {
        if line.trim_end() == "---" {
            flush(&mut current);
        } else {
            current.push(line);
        }
    }
    flush(&mut current);
    documents
}

/// Words a YAML 1.1 reader takes for something other than a string when unquoted.
const YAML_WORDS: &[&str] = &[
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "nil", "~",
];

/// Writes a value as one YAML value, whatever it holds: strings plain when that is
/// unambiguous (`web`, `nginx:1.27`), otherwise double-quoted with every character outside
/// printable ASCII escaped; numbers and booleans as themselves; lists and maps as flow
/// collections of such values; `none` as `null`.
fn write_yaml_value(out: &mut Output, _state: &mut State, value: &Value) -> Result<(), Error> {
    let mut text = String::new();
    yaml_value(&mut text, value)?;
    out.write_str(&text)
        .map_err(|_| Error::new(ErrorKind::WriteFailure, "could not write the output"))
}

fn yaml_value(out: &mut String, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Undefined => {
            return Err(Error::new(
                ErrorKind::UndefinedError,
                "an undefined value cannot be written",
            ));
        }
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => {
            let number = value.to_string();
            // A float such as `inf` or `NaN` is not YAML; say it as a string.
            if number.parse::<f64>().is_ok_and(f64::is_finite) {
                out.push_str(&number);
            } else {
                yaml_string(out, &number);
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            for (i, item) in value.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                yaml_value(out, &item)?;
            }
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            for (i, key) in value.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                yaml_string(out, &key.to_string());
                out.push_str(": ");
                yaml_value(out, &value.get_item(&key)?)?;
            }
            out.push('}');
        }
        _ => match value.as_str() {
            Some(s) => yaml_string(out, s),
            None => yaml_string(out, &value.to_string()),
        },
    }
    Ok(())
}

/// Writes `s` as a YAML string scalar: plain when it is made only of letters, digits and
/// `. _ / - :` (no `: ` can occur then), starts with a letter, and is not a word YAML reads as
/// something else; otherwise double-quoted.
pub fn yaml_string(out: &mut String, s: &str) {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-' | ':'))
        && !s.ends_with(':')
        && !YAML_WORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
}

/// Checks that `text` is YAML whose every document is a Kubernetes object: a mapping with
/// `apiVersion`, `kind` and `metadata.name` as non-empty strings. Returns how many there are.
pub fn check_objects(text: &str) -> Result<usize, String> {
    use serde::Deserialize as _;
    let mut count = 0;
    for (index, document) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let value = serde_yaml_ng::Value::deserialize(document)
            .map_err(|e| format!("the output is not YAML: {e}"))?;
        if value.is_null() {
            continue;
        }
        let field = |path: &[&str]| {
            let mut at = &value;
            for key in path {
                at = at.get(*key)?;
            }
            at.as_str().filter(|s| !s.trim().is_empty())
        };
        let missing: Vec<&str> = [
            ("apiVersion", &["apiVersion"][..]),
            ("kind", &["kind"][..]),
            ("metadata.name", &["metadata", "name"][..]),
        ]
        .into_iter()
        .filter(|(_, path)| field(path).is_none())
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            return Err(format!(
                "document {} has no {}",
                index + 1,
                missing.join(", ")
            ));
        }
        count += 1;
    }
    if count == 0 {
        return Err("the output holds no Kubernetes object".into());
    }
    Ok(count)
}

/// The unified difference between two rendered texts, three lines of context around each
/// change; empty when they are equal.
pub fn diff(from: &str, to: &str) -> Vec<DiffLine> {
    let text_diff = similar::TextDiff::from_lines(from, to);
    let mut lines = Vec::new();
    for hunk in text_diff.unified_diff().context_radius(3).iter_hunks() {
        lines.push(DiffLine {
            kind: DiffKind::Hunk,
            text: hunk.header().to_string(),
        });
        for change in hunk.iter_changes() {
            let kind = match change.tag() {
                similar::ChangeTag::Equal => DiffKind::Same,
                similar::ChangeTag::Insert => DiffKind::Added,
                similar::ChangeTag::Delete => DiffKind::Removed,
            };
            lines.push(DiffLine {
                kind,
                text: change.value().trim_end_matches('\n').to_string(),
            });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        yaml_string(&mut out, s);
        out
    }

    fn render_one(template: &str, values: serde_json::Value) -> Result<String, String> {
        let mut templates = Templates::new();
        templates.add("1.0.0", "10-x.yaml", template.to_string())?;
        let values: BTreeMap<String, Value> = values
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(minijinja::value::Serde(v))))
            .collect();
        templates.render("x", "1.0.0", &values)
    }

    #[test]
    fn safe_strings_stay_plain_and_the_rest_is_quoted() {
        assert_eq!(quoted("web"), "web");
        assert_eq!(quoted("nginx:1.27.3"), "nginx:1.27.3");
        assert_eq!(quoted("registry.k8s.io/a/b:v1"), "registry.k8s.io/a/b:v1");
        assert_eq!(quoted("yes"), "\"yes\"");
        assert_eq!(quoted("Off"), "\"Off\"");
        assert_eq!(quoted("1.30"), "\"1.30\"");
        assert_eq!(quoted(""), "\"\"");
        assert_eq!(quoted("a: b"), "\"a: b\"");
        assert_eq!(quoted("key:"), "\"key:\"");
        assert_eq!(quoted("x\"y\\z\nw"), "\"x\\\"y\\\\z\\nw\"");
        assert_eq!(quoted("é\u{2028}🙂"), "\"\\u00E9\\u2028\\U0001F642\"");
    }

    #[test]
    fn values_cannot_change_the_structure() {
        let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ name }}\ndata:\n  a: {{ value }}\n  b: {{ \"prefix-\" ~ value }}\n";
        for hostile in [
            "x\"\ny: z",
            "{{ name }}",
            "a: b",
            "---\nkind: Secret",
            "- item",
            "# comment",
            "'single'",
            "|\n  block",
            "&anchor *alias",
            "yes",
            "",
        ] {
            let text = render_one(
                template,
                serde_json::json!({"name": "cm", "value": hostile}),
            )
            .unwrap();
            assert_eq!(check_objects(&text), Ok(1), "{hostile:?} gave\n{text}");
            let doc: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(text.split("---\n").nth(1).unwrap()).unwrap();
            assert_eq!(doc["data"]["a"].as_str(), Some(hostile));
            assert_eq!(
                doc["data"]["b"].as_str().map(str::to_string),
                Some(format!("prefix-{hostile}"))
            );
            assert_eq!(doc["data"].as_mapping().unwrap().len(), 2);
        }
    }

    #[test]
    fn numbers_booleans_and_lists_keep_their_types() {
        let template = "apiVersion: v1\nkind: X\nmetadata:\n  name: x\nspec:\n  n: {{ n }}\n  b: {{ b }}\n  l: {{ l }}\n";
        let text = render_one(
            template,
            serde_json::json!({"n": 3, "b": false, "l": ["a b", "c: d"]}),
        )
        .unwrap();
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text.split("---\n").nth(1).unwrap()).unwrap();
        assert_eq!(doc["spec"]["n"].as_i64(), Some(3));
        assert_eq!(doc["spec"]["b"].as_bool(), Some(false));
        assert_eq!(doc["spec"]["l"][1].as_str(), Some("c: d"));
    }

    #[test]
    fn the_safe_filter_is_gone_and_undefined_names_fail() {
        let err = render_one("a: {{ v | safe }}", serde_json::json!({"v": "x"})).unwrap_err();
        assert!(err.contains("safe"), "{err}");
        let err = render_one("a: {{ missing }}", serde_json::json!({})).unwrap_err();
        assert!(err.contains("undefined"), "{err}");
    }

    #[test]
    fn empty_documents_are_dropped_and_each_names_its_file() {
        let template = "{% if on %}\napiVersion: v1\nkind: A\nmetadata:\n  name: a\n{% endif %}\n---\n# only a comment\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: b\n";
        let text = render_one(template, serde_json::json!({"on": false})).unwrap();
        assert_eq!(check_objects(&text), Ok(1));
        assert_eq!(text.matches("# Source: 10-x.yaml").count(), 1);
        let text = render_one(template, serde_json::json!({"on": true})).unwrap();
        assert_eq!(check_objects(&text), Ok(2));
    }

    #[test]
    fn objects_without_their_identity_are_refused() {
        assert_eq!(
            check_objects("kind: A\nmetadata: {}\n"),
            Err("document 1 has no apiVersion, metadata.name".into())
        );
        assert!(
            check_objects("a: [")
                .unwrap_err()
                .starts_with("the output is not YAML")
        );
        assert!(check_objects("# nothing\n").is_err());
    }

    #[test]
    fn the_difference_marks_added_and_removed_lines() {
        let lines = diff("a\nb\nc\n", "a\nB\nc\nd\n");
        let kinds: Vec<_> = lines.iter().map(|l| (l.kind, l.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (DiffKind::Hunk, "@@ -1,3 +1,4 @@"),
                (DiffKind::Same, "a"),
                (DiffKind::Removed, "b"),
                (DiffKind::Added, "B"),
                (DiffKind::Same, "c"),
                (DiffKind::Added, "d"),
            ]
        );
        assert!(diff("same\n", "same\n").is_empty());
    }
}
