//! Clusters as the portal shows them: a list row, a zone that did not answer, the list's query
//! and page, a cluster's detail with its nodepools and instances, and the pure filtering,
//! sorting and paging the list applies (the same with and without JavaScript).

use serde::{Deserialize, Serialize};

/// Rows per page.
pub const PAGE_SIZE: usize = 25;

/// One cluster in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRow {
    pub id: String,
    pub name: String,
    pub zone: String,
    pub version: String,
    pub level: String,
    pub state: String,
    pub nodepools: usize,
    pub nodes_running: i64,
    pub nodes_desired: i64,
    /// RFC 3339 (as the API sends it).
    pub created_at: String,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
}

/// A zone that did not answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneFailure {
    pub zone: String,
    pub message: String,
}

/// What the list asks for (all optional; from the address).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterQuery {
    /// Words that must all appear in the name, zone, version or id.
    pub q: Option<String>,
    pub state: Option<String>,
    pub zone: Option<String>,
    pub version: Option<String>,
    /// A label selector as `kubectl -l` takes it: `env=prod, team in (a,b), !legacy`.
    #[serde(default)]
    pub labels: Option<String>,
    /// `name` (default), `created`, `zone`, `state`, `version`; `-` first for descending.
    pub sort: Option<String>,
    /// 1-based.
    pub page: Option<usize>,
}

/// A page of the list, with what the filters can offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterList {
    pub rows: Vec<ClusterRow>,
    /// Clusters matching the filters, all pages together.
    pub matching: usize,
    /// Clusters in the organization (before filters).
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub failures: Vec<ZoneFailure>,
    pub states: Vec<String>,
    pub zones: Vec<String>,
    pub versions: Vec<String>,
    /// Why the label selector was refused (then nothing matches).
    #[serde(default)]
    pub selector_error: Option<String>,
}

/// The query's label selector, read; why it is not valid otherwise.
pub fn selector_of(query: &ClusterQuery) -> Result<Vec<crate::labels::Requirement>, String> {
    crate::labels::parse_selector(query.labels.as_deref().unwrap_or_default())
}

/// Whether `row` passes the query's search words and filters (paging and sorting aside).
pub fn matches(row: &ClusterRow, query: &ClusterQuery) -> bool {
    let wanted = |value: &Option<String>, actual: &str| {
        value.as_deref().is_none_or(|v| v.is_empty() || v == actual)
    };
    let haystack = format!("{} {} {} {}", row.name, row.zone, row.version, row.id).to_lowercase();
    query
        .q
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .all(|w| haystack.contains(&w.to_lowercase()))
        && wanted(&query.state, &row.state)
        && wanted(&query.zone, &row.zone)
        && wanted(&query.version, &row.version)
        && selector_of(query).is_ok_and(|s| crate::labels::selects(&s, &row.labels))
}

/// Filters, sorts and pages `rows` (pure: the page and its tests share it).
pub fn select(
    mut rows: Vec<ClusterRow>,
    query: &ClusterQuery,
) -> (Vec<ClusterRow>, usize, usize, usize) {
    rows.retain(|row| matches(row, query));
    let sort = query.sort.as_deref().unwrap_or("name");
    let (descending, key) = match sort.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, sort),
    };
    rows.sort_by(|a, b| {
        let ordering = match key {
            "created" => a.created_at.cmp(&b.created_at),
            "zone" => a.zone.cmp(&b.zone),
            "state" => a.state.cmp(&b.state),
            "version" => version_key(&a.version).cmp(&version_key(&b.version)),
            _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        }
        // Ties keep a stable order, so rows do not jump between loads.
        .then_with(|| a.id.cmp(&b.id));
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let matching = rows.len();
    let pages = matching.div_ceil(PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows = rows
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    (rows, matching, page, pages)
}

pub fn version_key(version: &str) -> Vec<u64> {
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// One instance (node) of a nodepool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceDetail {
    /// The Compute instance's id (what a recycle of one node names).
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub state: String,
    pub public_ip: Option<String>,
}

/// A nodepool with its instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodepoolDetail {
    pub id: String,
    pub name: String,
    pub state: String,
    pub size: i64,
    /// `family.size`, e.g. `standard.medium` (the id when unknown).
    pub instance_type: String,
    pub disk_size: i64,
    pub version: String,
    pub instances: Vec<InstanceDetail>,
    /// Kubernetes labels of its nodes.
    #[serde(default)]
    pub labels: Vec<(String, String)>,
    /// Taints of its nodes, as `key=value:Effect`.
    #[serde(default)]
    pub taints: Vec<String>,
    #[serde(default)]
    pub security_groups: usize,
    #[serde(default)]
    pub private_networks: usize,
    #[serde(default)]
    pub anti_affinity_groups: usize,
    /// GPUs per instance of its type (0 for CPU-only types).
    #[serde(default)]
    pub gpus: i64,
}

/// A cluster as its detail page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterDetail {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub zone: String,
    pub version: String,
    pub level: String,
    pub state: String,
    pub endpoint: Option<String>,
    pub cni: Option<String>,
    pub addons: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub auto_upgrade: bool,
    pub created_at: String,
    pub nodepools: Vec<NodepoolDetail>,
}

impl ClusterDetail {
    /// What the catalog needs to know to say which entries fit this cluster.
    pub fn catalog_facts(&self) -> crate::catalog::ClusterFacts {
        crate::catalog::ClusterFacts {
            level: self.level.clone(),
            cni: self.cni.clone().unwrap_or_default(),
            addons: self.addons.clone(),
            gpu: self.nodepools.iter().any(|p| p.gpus > 0),
        }
    }
}

/// Add-ons that can be turned on after creation: (wire name, label, what it needs).
pub const LATE_ADDONS: [(&str, &str, &str); 2] = [
    (
        "exoscale-container-storage-interface",
        "Storage (Exoscale CSI): persistent volumes on block storage",
        "needs the cloud controller",
    ),
    (
        "karpenter",
        "Karpenter: nodes provisioned to fit pending pods",
        "needs the pro level and the cloud controller",
    ),
];

/// A cluster as the Settings tab and the delete page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSettings {
    pub name: String,
    pub description: String,
    /// One `key=value` per line.
    pub labels: String,
    pub auto_upgrade: bool,
    pub level: String,
    pub state: String,
    pub addons: Vec<String>,
    /// (name, size) of each nodepool: what a delete takes with it.
    pub nodepools: Vec<(String, i64)>,
    /// Who turned deletion protection on (`Name <email>`); `None` when it is off.
    #[serde(default)]
    pub protected_by: Option<String>,
    pub may_change: bool,
    pub may_upgrade: bool,
    pub may_delete: bool,
}

/// Clusters and nodepools for tests of what reads them (here and in the server's live hub).
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures {
    use super::{ClusterDetail, InstanceDetail, NodepoolDetail};

    /// A cluster `web` in `state` with `pools`.
    pub fn cluster(state: &str, pools: Vec<NodepoolDetail>) -> ClusterDetail {
        ClusterDetail {
            id: "c1".into(),
            name: "web".into(),
            description: None,
            zone: "ch-gva-2".into(),
            version: "1.36.3".into(),
            level: "pro".into(),
            state: state.into(),
            endpoint: None,
            cni: None,
            addons: vec![],
            labels: vec![],
            auto_upgrade: false,
            created_at: "2026-01-01T00:00:00Z".into(),
            nodepools: pools,
        }
    }

    /// A nodepool of `size` nodes, the first `running` of them running, the rest starting.
    pub fn pool(name: &str, state: &str, size: i64, running: usize) -> NodepoolDetail {
        NodepoolDetail {
            id: format!("p-{name}"),
            name: name.into(),
            state: state.into(),
            size,
            instance_type: "standard.small".into(),
            disk_size: 50,
            version: "1.36.3".into(),
            instances: (0..size as usize)
                .map(|i| InstanceDetail {
                    id: format!("{name}-id-{i}"),
                    name: format!("{name}-{i}"),
                    state: if i < running { "running" } else { "starting" }.into(),
                    public_ip: None,
                })
                .collect(),
            labels: vec![],
            taints: vec![],
            gpus: 0,
            security_groups: 1,
            private_networks: 0,
            anti_affinity_groups: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, zone: &str, version: &str, state: &str, created: &str) -> ClusterRow {
        ClusterRow {
            id: format!("id-{name}"),
            name: name.into(),
            zone: zone.into(),
            version: version.into(),
            level: "pro".into(),
            state: state.into(),
            nodepools: 1,
            nodes_running: 1,
            nodes_desired: 1,
            created_at: created.into(),
            labels: Default::default(),
        }
    }

    fn rows() -> Vec<ClusterRow> {
        vec![
            row("web-prod", "ch-gva-2", "1.36.3", "running", "2026-01-03"),
            row(
                "web-staging",
                "de-fra-1",
                "1.35.6",
                "upgrading",
                "2026-01-02",
            ),
            row("batch", "ch-gva-2", "1.34.10", "error", "2026-01-01"),
        ]
    }

    fn names(rows: &[ClusterRow]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn search_words_must_all_match() {
        let query = ClusterQuery {
            q: Some("WEB gva".into()),
            ..ClusterQuery::default()
        };
        assert_eq!(names(&select(rows(), &query).0), ["web-prod"]);
    }

    #[test]
    fn filters_combine() {
        let query = ClusterQuery {
            zone: Some("ch-gva-2".into()),
            state: Some("error".into()),
            ..ClusterQuery::default()
        };
        assert_eq!(names(&select(rows(), &query).0), ["batch"]);
        let empty = ClusterQuery {
            zone: Some(String::new()),
            ..ClusterQuery::default()
        };
        assert_eq!(select(rows(), &empty).1, 3, "an empty filter is no filter");
    }

    #[test]
    fn sorts_by_name_by_default_and_by_any_column_both_ways() {
        assert_eq!(
            names(&select(rows(), &ClusterQuery::default()).0),
            ["batch", "web-prod", "web-staging"]
        );
        let by = |sort: &str| {
            let query = ClusterQuery {
                sort: Some(sort.into()),
                ..ClusterQuery::default()
            };
            names(&select(rows(), &query).0)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(by("created"), ["batch", "web-staging", "web-prod"]);
        assert_eq!(by("-created"), ["web-prod", "web-staging", "batch"]);
        assert_eq!(
            by("version"),
            ["batch", "web-staging", "web-prod"],
            "1.34.10 < 1.35.6 < 1.36.3"
        );
    }

    #[test]
    fn pages_hold_at_most_a_page_and_clamp() {
        let many: Vec<ClusterRow> = (0..60)
            .map(|i| row(&format!("c{i:02}"), "ch-gva-2", "1.36.3", "running", "2026"))
            .collect();
        let query = |page| ClusterQuery {
            page: Some(page),
            ..ClusterQuery::default()
        };
        let (first, matching, page, pages) = select(many.clone(), &query(1));
        assert_eq!((first.len(), matching, page, pages), (25, 60, 1, 3));
        let (last, _, page, _) = select(many.clone(), &query(3));
        assert_eq!((last.len(), page), (10, 3));
        let (_, _, page, _) = select(many, &query(99));
        assert_eq!(page, 3, "past the end shows the last page");
    }
}
