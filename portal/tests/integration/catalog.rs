//! The real `catalog/` folder: every entry loads, renders with its defaults, at the edges of
//! its parameters and with hostile values to Kubernetes objects, and a malformed entry is
//! refused with its folder and the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use minijinja::Value;
use portal::catalog::{Catalog, Entry, check_objects};
use portal_types::catalog::ParamKind;

fn catalog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog")
}

fn load() -> Catalog {
    Catalog::load(&catalog_dir()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every Kubernetes object of a rendered text, parsed.
fn objects(text: &str) -> Vec<serde_yaml_ng::Value> {
    use serde::Deserialize as _;
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|d| serde_yaml_ng::Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

/// Every string in a parsed document, keys included.
fn strings(value: &serde_yaml_ng::Value, out: &mut Vec<String>) {
    match value {
        serde_yaml_ng::Value::String(s) => out.push(s.clone()),
        serde_yaml_ng::Value::Sequence(items) => items.iter().for_each(|v| strings(v, out)),
        serde_yaml_ng::Value::Mapping(map) => {
            for (k, v) in map {
                strings(k, out);
                strings(v, out);
            }
        }
        serde_yaml_ng::Value::Tagged(tagged) => strings(&tagged.value, out),
        _ => {}
    }
}

/// The defaults of an entry as typed template values.
fn defaults(entry: &Entry) -> BTreeMap<String, Value> {
    portal::catalog::parse_values(&entry.params, &BTreeMap::new()).unwrap()
}

#[test]
fn the_catalog_has_the_entries_users_asked_for() {
    let catalog = load();
    let names: Vec<String> = catalog.summaries().into_iter().map(|s| s.name).collect();
    assert!(names.len() >= 15, "only {} entries: {names:?}", names.len());
    for wanted in [
        "ingress-nginx",
        "loadbalancer-service",
        "cert-manager",
        "metrics-server",
        "kubernetes-dashboard",
        "cluster-autoscaler",
        "storage-csi",
        "monitoring",
        "gpu-nodepool",
        "network-policy-default-deny",
        "sample-web-app",
        "karpenter",
        "external-dns",
        "backup-velero",
        "team-namespaces",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} is missing");
    }
    // Several entries have history, so differences between versions can be shown.
    let versioned = catalog
        .entries()
        .iter()
        .filter(|e| e.versions().len() > 1)
        .count();
    assert!(
        versioned >= 3,
        "{versioned} entries have more than one version"
    );
}

#[test]
fn every_version_of_every_entry_renders_its_defaults_as_objects() {
    for entry in load().entries() {
        for version in entry.versions() {
            let rendered = entry.render(Some(&version), &BTreeMap::new()).unwrap();
            assert!(
                rendered.errors.is_empty(),
                "{} {version}: {:?}",
                entry.name(),
                rendered.errors
            );
            assert_eq!(
                check_objects(&rendered.manifest),
                Ok(rendered.objects),
                "{} {version}",
                entry.name()
            );
            assert!(rendered.objects > 0);
        }
    }
}

/// Form values at the edges: each integer at its minimum and at its maximum, each boolean
/// flipped, each choice in turn, each list at its smallest and largest accepted size.
fn edge_forms(entry: &Entry) -> Vec<(String, BTreeMap<String, String>)> {
    let mut forms = Vec::new();
    for param in &entry.params {
        let spec = &param.spec;
        let mut texts: Vec<String> = Vec::new();
        match &spec.kind {
            ParamKind::Integer { min, max } => {
                texts.extend(min.map(|m| m.to_string()));
                texts.extend(max.map(|m| m.to_string()));
            }
            ParamKind::Boolean => {
                texts.push("true".into());
                texts.push("false".into());
            }
            ParamKind::Choice { options } => texts.extend(options.iter().cloned()),
            ParamKind::List {
                min_items,
                max_items,
                ..
            } => {
                let items: Vec<&str> = spec.default.lines().collect();
                if let Some(first) = items.first() {
                    // The smallest list the parameter accepts, made of a default item.
                    if *min_items <= 1 {
                        texts.push(if *min_items == 0 {
                            String::new()
                        } else {
                            first.to_string()
                        });
                    }
                    // A long list: default items with numbered copies of the first, where the
                    // pattern allows (checked by the parser: refused forms are skipped).
                    let count = max_items.unwrap_or(10).min(10);
                    let mut long: Vec<String> = items.iter().map(|s| s.to_string()).collect();
                    let mut n = 2;
                    while long.len() < count {
                        long.push(format!("{first}{n}"));
                        n += 1;
                    }
                    texts.push(long.join("\n"));
                }
            }
            ParamKind::Text { .. } => {}
        }
        for text in texts {
            forms.push((
                format!("{}={text:?}", spec.name),
                BTreeMap::from([(spec.name.clone(), text)]),
            ));
        }
    }
    forms
}

#[test]
fn every_entry_renders_at_the_edges_of_its_parameters() {
    let mut rendered_forms = 0;
    for entry in load().entries() {
        for version in entry.versions() {
            for (label, form) in edge_forms(entry) {
                let rendered = entry
                    .render(Some(&version), &form)
                    .unwrap_or_else(|e| panic!("{} {version} {label}: {e}", entry.name()));
                if !rendered.errors.is_empty() {
                    // A generated list item the pattern refuses: nothing to render.
                    assert!(
                        label.contains('\n') || label.contains('"'),
                        "{label}: {:?}",
                        rendered.errors
                    );
                    continue;
                }
                rendered_forms += 1;
                assert_eq!(
                    check_objects(&rendered.manifest),
                    Ok(rendered.objects),
                    "{} {version} {label}",
                    entry.name()
                );
            }
        }
    }
    assert!(
        rendered_forms > 100,
        "only {rendered_forms} edge forms rendered"
    );
}

const HOSTILE: &[&str] = &[
    "quote\"d",
    "it's",
    "new\nline: injected",
    "{{ entry.name }}",
    "{% if true %}x{% endif %}",
    "key: value",
    "- item",
    "--- \nkind: Secret",
    "# not a comment",
    "yes",
    "null",
    "1.30",
    "&anchor",
    "*alias",
    "!!binary AAAA",
    "tab\there",
    "back\\slash",
    "ünïcødé\u{2028}",
    "",
];

#[test]
fn hostile_values_stay_strings_in_every_entry() {
    let mut checked = 0;
    for entry in load().entries() {
        let version = entry.detail.summary.version.clone();
        let base = defaults(entry);
        let baseline = entry.render_values(&version, &base).unwrap();
        let baseline_kinds: Vec<_> = objects(&baseline)
            .iter()
            .map(|o| (o["apiVersion"].clone(), o["kind"].clone()))
            .collect();
        for param in &entry.params {
            let spec = &param.spec;
            let is_list = matches!(spec.kind, ParamKind::List { .. });
            if !is_list && !matches!(spec.kind, ParamKind::Text { .. }) {
                continue;
            }
            for hostile in HOSTILE {
                let mut values = base.clone();
                values.insert(
                    spec.name.clone(),
                    if is_list {
                        Value::from(vec![hostile.to_string()])
                    } else {
                        Value::from(*hostile)
                    },
                );
                let label = format!("{} {}={hostile:?}", entry.name(), spec.name);
                let text = entry
                    .render_values(&version, &values)
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                let docs = objects(&text);
                // The value may switch a conditional document on or off, never make one up.
                assert!(
                    docs.len() <= baseline_kinds.len() + 1 && !docs.is_empty(),
                    "{label}: {} documents instead of {}\n{text}",
                    docs.len(),
                    baseline_kinds.len()
                );
                for doc in &docs {
                    for key in ["apiVersion", "kind"] {
                        assert!(
                            doc[key].is_string(),
                            "{label}: a document has no {key}\n{text}"
                        );
                    }
                    assert!(
                        doc["metadata"]["name"].is_string(),
                        "{label}: a document has no metadata.name\n{text}"
                    );
                    assert!(
                        baseline_kinds.contains(&(doc["apiVersion"].clone(), doc["kind"].clone())),
                        "{label}: a {:?} appeared\n{text}",
                        doc["kind"]
                    );
                }
                if !hostile.is_empty() && text_uses(entry, &version, &base, &spec.name) {
                    let mut all = Vec::new();
                    docs.iter().for_each(|d| strings(d, &mut all));
                    assert!(
                        all.iter().any(|s| s.contains(hostile)),
                        "{label}: the value is not in any string of the output\n{text}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} hostile renders");
}

/// Whether the parameter's value shows in the output at all (some only matter when another
/// parameter switches them on).
fn text_uses(entry: &Entry, version: &str, base: &BTreeMap<String, Value>, name: &str) -> bool {
    let marker = "capstanmarkerzq";
    let mut values = base.clone();
    let list = base[name].kind() == minijinja::value::ValueKind::Seq;
    values.insert(
        name.to_string(),
        if list {
            Value::from(vec![marker.to_string()])
        } else {
            Value::from(marker)
        },
    );
    entry
        .render_values(version, &values)
        .is_ok_and(|t| t.contains(marker))
}

/// Copies the sample-web-app entry into a fresh catalog folder, breaks it with `damage`, and
/// returns what loading says.
fn load_damaged(damage: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &catalog_dir().join("sample-web-app"),
        &dir.path().join("sample-web-app"),
    );
    copy_dir(
        &catalog_dir().join("cert-manager"),
        &dir.path().join("cert-manager"),
    );
    damage(&dir.path().join("sample-web-app"));
    let error = Catalog::load(dir.path()).expect_err("the damaged entry was accepted");
    assert_eq!(error.problems.len(), 1, "{error}");
    assert!(error.problems[0].0.ends_with("sample-web-app"), "{error}");
    error.to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn current_templates(entry: &Path) -> Vec<PathBuf> {
    let version = std::fs::read_to_string(entry.join("entry.toml"))
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("version = \"")
                .map(|v| v.trim_end_matches('"').to_string())
        })
        .unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(entry.join("versions").join(version))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_malformed_entry_is_reported_with_its_folder_and_the_reason() {
    let said = load_damaged(|e| {
        edit(
            &e.join("entry.toml"),
            "name = \"sample-web-app\"",
            "name = \"other\"",
        )
    });
    assert!(
        said.contains("sample-web-app: entry.toml: name \"other\" must equal the folder name"),
        "{said}"
    );

    let said = load_damaged(|e| {
        edit(
            &e.join("entry.toml"),
            "category = ",
            "category = \"misc\"\nx = ",
        )
    });
    assert!(
        said.contains("sample-web-app: entry.toml:") && said.contains("unknown field"),
        "{said}"
    );

    let said = load_damaged(|e| std::fs::remove_file(e.join("README.md")).unwrap());
    assert!(said.contains("README.md: cannot be read"), "{said}");

    let said = load_damaged(|e| {
        let file = &current_templates(e)[0];
        std::fs::write(
            file,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ name \n",
        )
        .unwrap();
    });
    assert!(
        said.contains("sample-web-app: versions/") && said.contains("syntax error"),
        "{said}"
    );

    let said = load_damaged(|e| {
        let file = &current_templates(e)[0];
        std::fs::write(
            file,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n",
        )
        .unwrap();
    });
    assert!(
        said.contains("with the defaults: document 1 has no metadata.name"),
        "{said}"
    );

    let said = load_damaged(|e| {
        let file = &current_templates(e)[0];
        std::fs::write(
            file,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ no_such_param }}\n",
        )
        .unwrap();
    });
    assert!(
        said.contains("with the defaults:") && said.contains("undefined"),
        "{said}"
    );

    let said = load_damaged(|e| {
        std::fs::create_dir_all(e.join("versions/9.9.9")).unwrap();
    });
    assert!(
        said.contains("versions/9.9.9/ is not in the changelog"),
        "{said}"
    );
}

#[test]
fn values_from_a_form_change_the_output_and_refusals_name_the_field() {
    let catalog = load();
    let entry = catalog.get("sample-web-app").unwrap();
    let form = BTreeMap::from([("name".to_string(), "shop".to_string())]);
    let rendered = entry.render(None, &form).unwrap();
    assert!(rendered.errors.is_empty(), "{:?}", rendered.errors);
    let docs = objects(&rendered.manifest);
    assert!(
        docs.iter()
            .any(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "shop")
    );

    let form = BTreeMap::from([("name".to_string(), "Shop Front".to_string())]);
    let refused = entry.render(None, &form).unwrap();
    assert!(refused.manifest.is_empty());
    assert_eq!(refused.errors.len(), 1);
    assert_eq!(refused.errors[0].field, "name");
}

#[test]
fn versions_differ_for_the_same_values() {
    let catalog = load();
    for entry in catalog.entries().iter().filter(|e| e.versions().len() > 1) {
        let versions = entry.versions();
        let diff = entry
            .diff(&versions[1], &versions[0], &BTreeMap::new())
            .unwrap();
        assert!(diff.errors.is_empty());
        assert!(
            diff.lines
                .iter()
                .any(|l| l.kind == portal_types::catalog::DiffKind::Added
                    || l.kind == portal_types::catalog::DiffKind::Removed),
            "{}: {} and {} render the same",
            entry.name(),
            versions[1],
            versions[0]
        );
    }
}

proptest::proptest! {
    /// Any string a parameter could hold comes back from the YAML exactly as it went in, as a
    /// value and inside a larger string, and the document keeps its one key.
    #[test]
    fn any_string_survives_the_yaml_writing(value in "\\PC*|[\\s\\S]{0,40}") {
        let mut scalar = String::new();
        portal::catalog::yaml_string(&mut scalar, &value);
        let document = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  v: {scalar}\n");
        let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&document).unwrap();
        proptest::prop_assert_eq!(parsed["data"]["v"].as_str(), Some(value.as_str()));
        proptest::prop_assert_eq!(parsed["data"].as_mapping().unwrap().len(), 1);
    }
}
