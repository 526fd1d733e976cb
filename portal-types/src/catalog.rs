//! The catalog as the pages see it: entries, their parameters, rendered manifests and
//! differences between versions, plus the pure rules shared by server and browser (search,
//! whether an entry fits a cluster, the commands that apply it).
//!
//! Loading the `catalog/` folder and rendering templates happen on the server only
//! (`ssr::catalog`); nothing here pulls a template engine or a YAML parser into the bundle.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// The categories an entry can be in, as `(id, label)`, in the order the filters show them.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("networking", "Networking"),
    ("security", "Security"),
    ("observability", "Observability"),
    ("storage", "Storage"),
    ("autoscaling", "Autoscaling"),
    ("compute", "Compute"),
    ("apps", "Applications"),
];

/// The label of a category id (the id itself when unknown).
pub fn category_label(id: &str) -> &str {
    CATEGORIES
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, label)| *label)
        .unwrap_or(id)
}

/// The SKS add-ons an entry can require or be, as `(id, label)`.
pub const SERVICE_ADDONS: &[(&str, &str)] = &[
    ("exoscale-cloud-controller", "Exoscale cloud controller"),
    (
        "exoscale-container-storage-interface",
        "Exoscale block storage (CSI)",
    ),
    ("karpenter", "Karpenter"),
    ("metrics-server", "Metrics server"),
];

/// The label of an add-on id (the id itself when unknown).
pub fn addon_label(id: &str) -> &str {
    SERVICE_ADDONS
        .iter()
        .find(|(a, _)| *a == id)
        .map(|(_, label)| *label)
        .unwrap_or(id)
}

/// What an entry needs from a cluster. Empty means it fits any cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    /// `pro` when the entry only works on Pro clusters.
    pub level: Option<String>,
    /// The CNIs it works with (empty: any).
    pub cni: Vec<String>,
    /// SKS add-ons that must be enabled.
    pub addons: Vec<String>,
    /// Whether it needs a nodepool of GPU instances.
    pub gpu: bool,
}

/// An entry as the catalog list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntrySummary {
    pub name: String,
    pub title: String,
    pub category: String,
    pub summary: String,
    /// The current version.
    pub version: String,
    pub keywords: Vec<String>,
    /// The SKS add-on this entry is, if it is one.
    pub addon: Option<String>,
    pub requires: Requirements,
}

/// How a parameter is typed and checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamKind {
    Text {
        /// What the pattern allows, in words ("a DNS label"), when there is a pattern.
        pattern_help: Option<String>,
        min_length: usize,
        max_length: Option<usize>,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    Choice {
        options: Vec<String>,
    },
    /// Several strings, one per line in the form.
    List {
        pattern_help: Option<String>,
        min_items: usize,
        max_items: Option<usize>,
    },
}

/// A parameter of an entry, with its default written as the form writes values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamSpec {
    pub name: String,
    pub label: String,
    pub help: String,
    pub kind: ParamKind,
    /// The default as form text: `true`/`false` for booleans, one item per line for lists.
    pub default: String,
}

/// Something to run before applying the rendered manifests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeforeStep {
    pub description: String,
    /// A manifest address to `kubectl apply -f`.
    pub apply: Option<String>,
    /// A shell line to run instead.
    pub command: Option<String>,
    /// A command that waits until the step has taken effect.
    pub wait: Option<String>,
}

/// One version's changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangelogEntry {
    pub version: String,
    pub date: String,
    pub changes: Vec<String>,
}

/// Everything the entry page shows besides the rendered manifests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDetail {
    pub summary: EntrySummary,
    /// Where the manifests install, when the entry says.
    pub namespace: Option<String>,
    /// The entry's README as HTML (rendered from Markdown on the server, raw HTML dropped).
    pub readme_html: String,
    pub params: Vec<ParamSpec>,
    pub before: Vec<BeforeStep>,
    /// Newest first; the first is the current version.
    pub changelog: Vec<ChangelogEntry>,
}

/// The manifests of one version rendered with some values, or why they could not be.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    pub version: String,
    /// Multi-document YAML; empty when `errors` is not.
    pub manifest: String,
    /// Values that were refused, by parameter name.
    pub errors: Vec<FieldError>,
    /// How many Kubernetes objects the manifest holds.
    pub objects: usize,
}

/// How a line of a difference relates the two versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffKind {
    Same,
    Added,
    Removed,
    /// The `@@ … @@` line that starts a hunk.
    Hunk,
}

/// One line of the difference between two rendered versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

/// The difference of the rendered output between two versions for the same values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestDiff {
    pub from: String,
    pub to: String,
    /// Unified-diff lines with three lines of context; empty when the outputs are equal.
    pub lines: Vec<DiffLine>,
    /// Values refused (the difference is empty then).
    pub errors: Vec<FieldError>,
}

/// Whether an entry matches a search: every word of `query` appears in its name, title,
/// summary, category, add-on or keywords (case-insensitive), and it is in `category` when one
/// is given.
pub fn matches(entry: &EntrySummary, query: &str, category: &str) -> bool {
    if !category.is_empty() && entry.category != category {
        return false;
    }
    let haystack = [
        entry.name.as_str(),
        entry.title.as_str(),
        entry.summary.as_str(),
        entry.category.as_str(),
        category_label(&entry.category),
        entry.addon.as_deref().unwrap_or_default(),
    ]
    .into_iter()
    .chain(entry.keywords.iter().map(String::as_str))
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase();
    query
        .split_whitespace()
        .all(|word| haystack.contains(&word.to_lowercase()))
}

/// What the catalog needs to know of a cluster to say whether an entry fits it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterFacts {
    pub level: String,
    /// Empty when the cluster has no CNI.
    pub cni: String,
    pub addons: Vec<String>,
    /// Whether a nodepool runs GPU instances.
    pub gpu: bool,
}

/// Why an entry does not fit a cluster, one reason per unmet requirement (empty: it fits).
pub fn unmet(requires: &Requirements, cluster: &ClusterFacts) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(level) = &requires.level
        && level == "pro"
        && cluster.level != "pro"
    {
        reasons.push("needs a Pro cluster".to_string());
    }
    if !requires.cni.is_empty() && !requires.cni.contains(&cluster.cni) {
        reasons.push(format!("needs the {} CNI", requires.cni.join(" or ")));
    }
    for addon in &requires.addons {
        if !cluster.addons.contains(addon) {
            reasons.push(format!("needs the {} add-on", addon_label(addon)));
        }
    }
    if requires.gpu && !cluster.gpu {
        reasons.push("needs a GPU nodepool".to_string());
    }
    reasons
}

/// Query keys of parameter values start with this (`p.replicas=3`), so a parameter can be
/// called anything without clashing with the page's own keys (`version`, `compare`, `cluster`).
pub const PARAM_PREFIX: &str = "p.";

/// The `name=value` pairs of a query string (`?` optional), decoded.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Percent-decoding with `+` as a space, as forms encode; invalid escapes are kept as written.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query component.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The parameter values in query pairs (keys with [`PARAM_PREFIX`]). The last value of a name
/// wins: a checkbox sends a hidden `false` first and, when ticked, `true` after it.
pub fn form_values(pairs: &[(String, String)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(PARAM_PREFIX)?.to_string(), v.clone())))
        .collect()
}

/// The query string (without `?`) that carries `values` and a version.
pub fn values_query(values: &std::collections::BTreeMap<String, String>, version: &str) -> String {
    let mut parts = Vec::new();
    if !version.is_empty() {
        parts.push(format!("version={}", encode(version)));
    }
    for (name, value) in values {
        parts.push(format!(
            "{}{}={}",
            PARAM_PREFIX,
            encode(name),
            encode(value)
        ));
    }
    parts.join("&")
}

/// The file the manifests download as.
pub fn manifest_file_name(entry: &str, version: &str) -> String {
    format!("{entry}-{version}.yaml")
}

/// The shell lines that install an entry: its steps, then `kubectl apply` of the rendered
/// file. `kubeconfig` is the file the cluster's Access tab downloads (a placeholder when no
/// cluster is chosen).
pub fn install_commands(
    before: &[BeforeStep],
    kubeconfig: &str,
    manifest_file: &str,
) -> Vec<String> {
    let kubectl = format!("kubectl --kubeconfig {kubeconfig}");
    let mut lines = vec![format!("export KUBECONFIG={kubeconfig}")];
    for step in before {
        if let Some(url) = &step.apply {
            lines.push(format!("kubectl apply --server-side -f {url}"));
        }
        if let Some(command) = &step.command {
            lines.push(command.clone());
        }
        if let Some(wait) = &step.wait {
            lines.push(wait.clone());
        }
    }
    if lines.len() == 1 {
        // Nothing else needs the environment variable: one self-contained line.
        return vec![format!("{kubectl} apply -f {manifest_file}")];
    }
    lines.push(format!("kubectl apply -f {manifest_file}"));
    lines
}

/// Entries matching a search, with how many there are in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogList {
    pub entries: Vec<EntrySummary>,
    pub total: usize,
}

/// A cluster as the catalog needs it: to name the kubeconfig in the install commands and to
/// say which entries fit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCluster {
    pub zone: String,
    pub id: String,
    pub name: String,
    /// The file the cluster's Access tab downloads for the user it suggests (`admin`).
    pub kubeconfig_file: String,
    pub facts: ClusterFacts,
}

/// The user the Access tab suggests when it issues a kubeconfig.
pub const KUBECONFIG_USER: &str = "admin";

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> EntrySummary {
        EntrySummary {
            name: "cert-manager".into(),
            title: "cert-manager with Let's Encrypt".into(),
            category: "security".into(),
            summary: "TLS certificates for your ingresses.".into(),
            version: "1.1.0".into(),
            keywords: vec!["acme".into(), "tls".into()],
            addon: None,
            requires: Requirements::default(),
        }
    }

    #[test]
    fn search_needs_every_word_somewhere_and_ignores_case() {
        assert!(matches(&entry(), "", ""));
        assert!(matches(&entry(), "ACME encrypt", ""));
        assert!(matches(&entry(), "tls", "security"));
        assert!(matches(&entry(), "security", ""));
        assert!(!matches(&entry(), "acme grafana", ""));
        assert!(!matches(&entry(), "", "networking"));
    }

    #[test]
    fn unmet_requirements_are_each_named() {
        let requires = Requirements {
            level: Some("pro".into()),
            cni: vec!["calico".into(), "cilium".into()],
            addons: vec!["karpenter".into(), "metrics-server".into()],
            gpu: true,
        };
        let starter = ClusterFacts {
            level: "starter".into(),
            cni: String::new(),
            addons: vec!["metrics-server".into()],
            gpu: false,
        };
        assert_eq!(
            unmet(&requires, &starter),
            [
                "needs a Pro cluster",
                "needs the calico or cilium CNI",
                "needs the Karpenter add-on",
                "needs a GPU nodepool",
            ]
        );
        let pro = ClusterFacts {
            level: "pro".into(),
            cni: "cilium".into(),
            addons: vec!["karpenter".into(), "metrics-server".into()],
            gpu: true,
        };
        assert!(unmet(&requires, &pro).is_empty());
        assert!(unmet(&Requirements::default(), &starter).is_empty());
    }

    #[test]
    fn query_values_round_trip_and_the_last_value_wins() {
        let values = std::collections::BTreeMap::from([
            ("host".to_string(), "a b&c=d/é".to_string()),
            ("teams".to_string(), "web\napi".to_string()),
        ]);
        let query = values_query(&values, "1.1.0");
        assert_eq!(
            query,
            "version=1.1.0&p.host=a%20b%26c%3Dd%2F%C3%A9&p.teams=web%0Aapi"
        );
        let pairs = query_pairs(&format!("?{query}"));
        assert_eq!(form_values(&pairs), values);
        assert_eq!(pairs[0], ("version".to_string(), "1.1.0".to_string()));
        let ticked = query_pairs("p.tls=false&p.tls=true&p.x=a+b&cluster=z%2");
        assert_eq!(form_values(&ticked)["tls"], "true");
        assert_eq!(form_values(&ticked)["x"], "a b");
        assert_eq!(ticked[3].1, "z%2");
    }

    #[test]
    fn install_is_one_line_without_steps_and_a_script_with_them() {
        assert_eq!(
            install_commands(&[], "web.kubeconfig", "app-1.0.0.yaml"),
            ["kubectl --kubeconfig web.kubeconfig apply -f app-1.0.0.yaml"]
        );
        let steps = [BeforeStep {
            description: "CRDs".into(),
            apply: Some("https://example.com/crds.yaml".into()),
            command: None,
            wait: Some("kubectl wait --for=condition=Established crd --all".into()),
        }];
        assert_eq!(
            install_commands(&steps, "web.kubeconfig", "app-1.0.0.yaml"),
            [
                "export KUBECONFIG=web.kubeconfig",
                "kubectl apply --server-side -f https://example.com/crds.yaml",
                "kubectl wait --for=condition=Established crd --all",
                "kubectl apply -f app-1.0.0.yaml",
            ]
        );
    }
}
