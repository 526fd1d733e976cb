//! The catalog of blueprints and add-ons, read from the `catalog/` folder at start.
//!
//! Invariant: every [`Entry`] in a [`Catalog`] was checked whole when it was loaded — its
//! metadata, parameters (each default passes its own checks), changelog (one version folder
//! per entry and no other), README, and every version rendered with its defaults to YAML
//! whose documents are Kubernetes objects. A folder that fails any check stops the load, named
//! with its reason, so a broken entry is never served.

mod render;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use portal_types::catalog::{
    BeforeStep, CATEGORIES, ChangelogEntry, EntryDetail, EntrySummary, ManifestDiff, ParamKind,
    ParamSpec, Rendered, Requirements, SERVICE_ADDONS,
};

pub use render::{Templates, check_objects, diff, yaml_string};
pub use values::{Param, parse as parse_values};

/// Every entry, sorted by title.
#[derive(Debug, Default)]
pub struct Catalog {
    entries: Vec<Entry>,
}

/// One entry, checked and ready to render.
#[derive(Debug)]
pub struct Entry {
    pub detail: EntryDetail,
    pub params: Vec<Param>,
    templates: Templates,
}

/// Why the catalog could not be loaded: each malformed folder with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub problems: Vec<(PathBuf, String)>,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the catalog has {} malformed entr", self.problems.len())?;
        f.write_str(if self.problems.len() == 1 { "y" } else { "ies" })?;
        for (folder, reason) in &self.problems {
            write!(f, "\n  {}: {reason}", folder.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

impl Catalog {
    /// Reads and checks every entry folder under `dir`.
    pub fn load(dir: &Path) -> Result<Catalog, LoadError> {
        let fail = |reason: String| LoadError {
            problems: vec![(dir.to_path_buf(), reason)],
        };
        let listing = std::fs::read_dir(dir)
            .map_err(|e| fail(format!("cannot read the catalog folder: {e}")))?;
        let mut folders: Vec<PathBuf> = listing
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        folders.sort();
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for folder in folders {
            match Entry::load(&folder) {
                Ok(entry) => entries.push(entry),
                Err(reason) => problems.push((folder, reason)),
            }
        }
        if !problems.is_empty() {
            return Err(LoadError { problems });
        }
        entries.sort_by(|a, b| a.detail.summary.title.cmp(&b.detail.summary.title));
        Ok(Catalog { entries })
    }

    /// Every entry's summary, sorted by title.
    pub fn summaries(&self) -> Vec<EntrySummary> {
        self.entries
            .iter()
            .map(|e| e.detail.summary.clone())
            .collect()
    }

    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.detail.summary.name == name)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

impl Entry {
    pub fn name(&self) -> &str {
        &self.detail.summary.name
    }

    /// Versions, newest first.
    pub fn versions(&self) -> Vec<String> {
        self.detail
            .changelog
            .iter()
            .map(|c| c.version.clone())
            .collect()
    }

    /// `version` if the entry has it, the current version when `None` or empty.
    fn resolve_version(&self, version: Option<&str>) -> Result<String, String> {
        match version.filter(|v| !v.is_empty()) {
            None => Ok(self.detail.summary.version.clone()),
            Some(v) if self.detail.changelog.iter().any(|c| c.version == v) => Ok(v.to_string()),
            Some(v) => Err(format!(
                "{} has no version {v} (it has {})",
                self.name(),
                self.versions().join(", ")
            )),
        }
    }

    /// Renders a version (the current one when `None`) with values from a form. Refused values
    /// come back in `errors`; `Err` means the entry itself failed to render (or has no such
    /// version), which the load-time checks make a bug in the template.
    pub fn render(
        &self,
        version: Option<&str>,
        form: &BTreeMap<String, String>,
    ) -> Result<Rendered, String> {
        let version = self.resolve_version(version)?;
        match parse_values(&self.params, form) {
            Err(errors) => Ok(Rendered {
                version,
                errors,
                ..Rendered::default()
            }),
            Ok(values) => {
                let manifest = self.render_values(&version, &values)?;
                let objects = check_objects(&manifest)?;
                Ok(Rendered {
                    version,
                    manifest,
                    errors: Vec::new(),
                    objects,
                })
            }
        }
    }

    /// Renders `version` with values that have not been checked (tests use this to feed
    /// hostile values straight to the templates).
    pub fn render_values(
        &self,
        version: &str,
        values: &BTreeMap<String, minijinja::Value>,
    ) -> Result<String, String> {
        self.templates.render(self.name(), version, values)
    }

    /// The difference between two versions' output for the same form values.
    pub fn diff(
        &self,
        from: &str,
        to: &str,
        form: &BTreeMap<String, String>,
    ) -> Result<ManifestDiff, String> {
        let before = self.render(Some(from), form)?;
        let after = self.render(Some(to), form)?;
        let mut errors = after.errors;
        if errors.is_empty() {
            errors = before.errors;
        }
        let lines = if errors.is_empty() {
            diff(&before.manifest, &after.manifest)
        } else {
            Vec::new()
        };
        Ok(ManifestDiff {
            from: before.version,
            to: after.version,
            lines,
            errors,
        })
    }

    /// Reads and checks one entry folder; the reason names the file at fault.
    fn load(folder: &Path) -> Result<Entry, String> {
        let folder_name = folder
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("the folder name is not UTF-8")?
            .to_string();
        let toml_path = folder.join("entry.toml");
        let text = std::fs::read_to_string(&toml_path)
            .map_err(|e| format!("entry.toml: cannot be read: {e}"))?;
        let file: EntryFile =
            toml::from_str(&text).map_err(|e| format!("entry.toml: {}", e.to_string().trim()))?;
        let detail_and_params =
            check_entry(&folder_name, file).map_err(|e| format!("entry.toml: {e}"))?;
        let (mut detail, params) = detail_and_params;

        let readme = std::fs::read_to_string(folder.join("README.md"))
            .map_err(|e| format!("README.md: cannot be read: {e}"))?;
        if readme.trim().is_empty() {
            return Err("README.md: is empty".into());
        }
        detail.readme_html = markdown_to_html(&readme);

        let templates = load_templates(folder, &detail.changelog)?;
        let entry = Entry {
            detail,
            params,
            templates,
        };
        for version in entry.versions() {
            entry
                .render(Some(&version), &BTreeMap::new())
                .and_then(|r| {
                    if r.errors.is_empty() {
                        Ok(())
                    } else {
                        Err(format!("the defaults are refused: {:?}", r.errors))
                    }
                })
                .map_err(|e| format!("versions/{version} with the defaults: {e}"))?;
        }
        Ok(entry)
    }
}

/// The templates of every version in the changelog; a version folder the changelog does not
/// list (or the reverse) is an error.
fn load_templates(folder: &Path, changelog: &[ChangelogEntry]) -> Result<Templates, String> {
    let versions_dir = folder.join("versions");
    let mut on_disk: Vec<String> = std::fs::read_dir(&versions_dir)
        .map_err(|e| format!("versions/: cannot be read: {e}"))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    on_disk.sort();
    for version in &on_disk {
        if !changelog.iter().any(|c| &c.version == version) {
            return Err(format!(
                "versions/{version}/ is not in the changelog of entry.toml"
            ));
        }
    }
    let mut templates = Templates::new();
    for entry in changelog {
        let version = &entry.version;
        if !on_disk.contains(version) {
            return Err(format!(
                "the changelog lists {version} but versions/{version}/ does not exist"
            ));
        }
        let dir = versions_dir.join(version);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("versions/{version}/: cannot be read: {e}"))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!("versions/{version}/ holds no .yaml template"));
        }
        for path in files {
            let file = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or("a template name is not UTF-8")?
                .to_string();
            let source = std::fs::read_to_string(&path)
                .map_err(|e| format!("versions/{version}/{file}: cannot be read: {e}"))?;
            templates
                .add(version, &file, source)
                .map_err(|e| format!("versions/{version}/{file}: {e}"))?;
        }
    }
    Ok(templates)
}

/// Markdown to HTML for an entry's README. Raw HTML in the Markdown is dropped, and links
/// only keep web, mail and in-page addresses.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(_) | Event::InlineHtml(_) => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let allowed = ["https://", "http://", "mailto:", "#"]
                .iter()
                .any(|p| dest_url.starts_with(p));
            Some(Event::Start(Tag::Link {
                link_type,
                dest_url: if allowed { dest_url } else { "#".into() },
                title,
                id,
            }))
        }
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

// ---- entry.toml as written, and its checks ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    name: String,
    title: String,
    category: String,
    summary: String,
    version: String,
    #[serde(default)]
    keywords: Vec<String>,
    namespace: Option<String>,
    addon: Option<String>,
    #[serde(default)]
    requires: RequiresFile,
    #[serde(default)]
    before: Vec<BeforeFile>,
    #[serde(default)]
    params: Vec<ParamFile>,
    #[serde(default)]
    changelog: Vec<ChangelogFile>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiresFile {
    level: Option<String>,
    #[serde(default)]
    cni: Vec<String>,
    #[serde(default)]
    addons: Vec<String>,
    #[serde(default)]
    gpu: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BeforeFile {
    description: String,
    apply: Option<String>,
    command: Option<String>,
    wait: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamFile {
    name: String,
    label: String,
    #[serde(default)]
    help: String,
    #[serde(rename = "type")]
    kind: String,
    default: toml::Value,
    pattern: Option<String>,
    pattern_help: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    min: Option<i64>,
    max: Option<i64>,
    options: Option<Vec<String>>,
    min_items: Option<usize>,
    max_items: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangelogFile {
    version: String,
    /// A quoted or a bare TOML date.
    date: toml::Value,
    changes: Vec<String>,
}

fn check_entry(folder: &str, file: EntryFile) -> Result<(EntryDetail, Vec<Param>), String> {
    let name_rule = Regex::new("^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$").expect("valid regex");
    if file.name != folder {
        return Err(format!(
            "name {:?} must equal the folder name {folder:?}",
            file.name
        ));
    }
    if !name_rule.is_match(&file.name) {
        return Err(format!(
            "name {:?} must be lowercase letters, digits and '-', at most 40 characters",
            file.name
        ));
    }
    for (field, value) in [("title", &file.title), ("summary", &file.summary)] {
        if value.trim().is_empty() {
            return Err(format!("{field} is empty"));
        }
    }
    if !CATEGORIES.iter().any(|(c, _)| *c == file.category) {
        return Err(format!(
            "category {:?} is not one of {}",
            file.category,
            CATEGORIES
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let known_addon = |a: &str| SERVICE_ADDONS.iter().any(|(id, _)| *id == a);
    let addon_list = || {
        SERVICE_ADDONS
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(addon) = &file.addon
        && !known_addon(addon)
    {
        return Err(format!("addon {addon:?} is not one of {}", addon_list()));
    }
    let requires = file.requires;
    if let Some(level) = &requires.level
        && level != "starter"
        && level != "pro"
    {
        return Err(format!("requires.level {level:?} must be starter or pro"));
    }
    if let Some(cni) = requires
        .cni
        .iter()
        .find(|c| *c != "calico" && *c != "cilium")
    {
        return Err(format!("requires.cni {cni:?} must be calico or cilium"));
    }
    if let Some(addon) = requires.addons.iter().find(|a| !known_addon(a)) {
        return Err(format!(
            "requires.addons {addon:?} is not one of {}",
            addon_list()
        ));
    }

    let mut before = Vec::new();
    for (index, step) in file.before.into_iter().enumerate() {
        let at = format!("before[{index}]");
        match (&step.apply, &step.command) {
            (Some(url), None) if !url.starts_with("https://") => {
                return Err(format!("{at}.apply must be an https:// address"));
            }
            (Some(_), None) | (None, Some(_)) => {}
            _ => return Err(format!("{at} needs exactly one of apply and command")),
        }
        before.push(BeforeStep {
            description: step.description,
            apply: step.apply,
            command: step.command,
            wait: step.wait,
        });
    }

    let mut params: Vec<Param> = Vec::new();
    for param in file.params {
        let at = format!("params {:?}", param.name);
        let checked = check_param(param).map_err(|e| format!("{at}: {e}"))?;
        if params.iter().any(|p| p.spec.name == checked.spec.name) {
            return Err(format!("{at} is defined twice"));
        }
        params.push(checked);
    }

    let semver = Regex::new(r"^\d+\.\d+\.\d+$").expect("valid regex");
    let mut changelog = Vec::new();
    for entry in file.changelog {
        if !semver.is_match(&entry.version) {
            return Err(format!(
                "changelog version {:?} must be major.minor.patch",
                entry.version
            ));
        }
        if changelog
            .iter()
            .any(|c: &ChangelogEntry| c.version == entry.version)
        {
            return Err(format!("changelog lists {} twice", entry.version));
        }
        if entry.changes.is_empty() {
            return Err(format!("changelog {} lists no change", entry.version));
        }
        let date = match &entry.date {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                return Err(format!(
                    "changelog {} date {other} is not a date",
                    entry.version
                ));
            }
        };
        changelog.push(ChangelogEntry {
            version: entry.version,
            date,
            changes: entry.changes,
        });
    }
    match changelog.first() {
        None => return Err("the changelog is empty: it needs the current version".into()),
        Some(first) if first.version != file.version => {
            return Err(format!(
                "version {} must be the changelog's first (newest) entry, not {}",
                file.version, first.version
            ));
        }
        Some(_) => {}
    }

    let detail = EntryDetail {
        summary: EntrySummary {
            name: file.name,
            title: file.title,
            category: file.category,
            summary: file.summary,
            version: file.version,
            keywords: file.keywords,
            addon: file.addon,
            requires: Requirements {
                level: requires.level,
                cni: requires.cni,
                addons: requires.addons,
                gpu: requires.gpu,
            },
        },
        namespace: file.namespace,
        readme_html: String::new(),
        params: params.iter().map(|p| p.spec.clone()).collect(),
        before,
        changelog,
    };
    Ok((detail, params))
}

fn check_param(file: ParamFile) -> Result<Param, String> {
    let ident = Regex::new("^[a-z][a-z0-9_]*$").expect("valid regex");
    if !ident.is_match(&file.name) || file.name == "entry" {
        return Err("the name must be snake_case (and not \"entry\")".into());
    }
    if file.label.trim().is_empty() {
        return Err("label is empty".into());
    }
    let only = |allowed: &[&str]| -> Result<(), String> {
        let given = [
            ("pattern", file.pattern.is_some()),
            ("pattern_help", file.pattern_help.is_some()),
            ("min_length", file.min_length.is_some()),
            ("max_length", file.max_length.is_some()),
            ("min", file.min.is_some()),
            ("max", file.max.is_some()),
            ("options", file.options.is_some()),
            ("min_items", file.min_items.is_some()),
            ("max_items", file.max_items.is_some()),
        ];
        match given.iter().find(|(k, set)| *set && !allowed.contains(k)) {
            Some((k, _)) => Err(format!("{k} does not apply to type {}", file.kind)),
            None => Ok(()),
        }
    };
    let (kind, default) = match file.kind.as_str() {
        "string" => {
            only(&["pattern", "pattern_help", "min_length", "max_length"])?;
            let default = file
                .default
                .as_str()
                .ok_or("the default must be a string")?
                .to_string();
            let kind = ParamKind::Text {
                pattern_help: file.pattern_help.clone(),
                min_length: file.min_length.unwrap_or(1),
                max_length: file.max_length,
            };
            (kind, default)
        }
        "integer" => {
            only(&["min", "max"])?;
            let default = file
                .default
                .as_integer()
                .ok_or("the default must be an integer")?;
            (
                ParamKind::Integer {
                    min: file.min,
                    max: file.max,
                },
                default.to_string(),
            )
        }
        "boolean" => {
            only(&[])?;
            let default = file
                .default
                .as_bool()
                .ok_or("the default must be true or false")?;
            (ParamKind::Boolean, default.to_string())
        }
        "enum" => {
            only(&["options"])?;
            let options = file.options.clone().unwrap_or_default();
            if options.is_empty() {
                return Err("an enum needs options".into());
            }
            let default = file
                .default
                .as_str()
                .ok_or("the default must be a string")?
                .to_string();
            (ParamKind::Choice { options }, default)
        }
        "list" => {
            only(&["pattern", "pattern_help", "min_items", "max_items"])?;
            let items = file
                .default
                .as_array()
                .ok_or("the default must be an array of strings")?
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or("the default must be an array of strings")?;
            let kind = ParamKind::List {
                pattern_help: file.pattern_help.clone(),
                min_items: file.min_items.unwrap_or(0),
                max_items: file.max_items,
            };
            (kind, items.join("\n"))
        }
        other => {
            return Err(format!(
                "type {other:?} is not one of string, integer, boolean, enum, list"
            ));
        }
    };
    let pattern = file
        .pattern
        .as_deref()
        .map(|p| Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("pattern: {e}")))
        .transpose()?;
    if pattern.is_some() && file.pattern_help.is_none() {
        return Err("a pattern needs a pattern_help saying what it allows".into());
    }
    let param = Param {
        spec: ParamSpec {
            name: file.name,
            label: file.label,
            help: file.help,
            kind,
            default,
        },
        pattern,
    };
    values::parse_one(&param, &param.spec.default)
        .map_err(|e| format!("the default {:?} is refused: it {e}", param.spec.default))?;
    Ok(param)
}
