//! The create-cluster form as typed, the reference data it is checked against, and [`plan`]:
//! the single function that turns a form into the `create-sks-cluster` and
//! `create-sks-nodepool` bodies, or into field errors.
//!
//! The browser runs [`plan`] when a step's Next is pressed and on the review step; the server
//! function `create_cluster` runs the very same function before it calls the API, so both
//! refuse the same input with the same words. The contract's own rules come from
//! `sks_api::validate`; this module adds what only the form knows (numbers typed as text, label
//! and taint lines, choices that must come from the lists offered) and renames the contract's
//! field paths (`nodepools[0].disk-size`) to the form's (`nodepools[0].disk_size`).
//!
//! Field names of the form are also its HTML `name`s under `form[…]`, so a browser without
//! JavaScript posts the same structure the hydrated app sends (server functions read
//! `form[nodepools][0][size]=3` with `serde_qs`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sks_api::validate::{Check, Validate};
use sks_api::{
    ClusterAddon, Cni, CreateSksClusterRequest, CreateSksNodepoolRequest, Labels, Level,
    PublicIpAssignment, Ref, SksNodepoolTaint, SksNodepoolTaints, TaintEffect,
};
use uuid::Uuid;

use crate::error::FieldError;

/// The disk size a new nodepool starts with, GiB (the CLI's and Terraform's default).
pub const DEFAULT_DISK_GIB: &str = "50";
/// The size a new nodepool starts with (the CLI's default).
pub const DEFAULT_SIZE: &str = "2";
/// The instance type a new nodepool starts with, when the zone offers it.
pub const DEFAULT_INSTANCE_TYPE: &str = "standard.medium";

/// The whole form, every value as typed. Checkboxes missing from a post are off (browsers send
/// nothing for an unchecked box), which is why every field defaults on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterForm {
    /// Idempotency token minted when the form was rendered: a second submit of the same form
    /// finds the cluster the first one created.
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub zone: String,
    #[serde(default)]
    pub version: String,
    /// `starter` or `pro`.
    #[serde(default)]
    pub level: String,
    /// `calico`, `cilium`, or empty for no CNI.
    #[serde(default)]
    pub cni: String,
    #[serde(default)]
    pub kube_proxy: bool,
    #[serde(default)]
    pub auto_upgrade: bool,
    #[serde(default)]
    pub cloud_controller: bool,
    #[serde(default)]
    pub csi: bool,
    #[serde(default)]
    pub metrics_server: bool,
    #[serde(default)]
    pub karpenter: bool,
    #[serde(default)]
    pub nodepools: Vec<NodepoolForm>,
}

impl Default for ClusterForm {
    /// A new form: the defaults of Exoscale's own clients (pro, Calico, kube-proxy, the cloud
    /// controller and metrics-server), and one nodepool.
    fn default() -> Self {
        ClusterForm {
            token: String::new(),
            name: String::new(),
            description: String::new(),
            zone: String::new(),
            version: String::new(),
            level: "pro".into(),
            cni: "calico".into(),
            kube_proxy: true,
            auto_upgrade: false,
            cloud_controller: true,
            csi: false,
            metrics_server: true,
            karpenter: false,
            nodepools: vec![NodepoolForm::default()],
        }
    }
}

impl ClusterForm {
    /// A new form with the SKS add-on `addon` switched on, with what it needs: the cloud
    /// controller for block storage and Karpenter, and the Pro level for Karpenter. `None` for
    /// an add-on the wizard does not know.
    pub fn with_addon(addon: &str) -> Option<ClusterForm> {
        let mut form = ClusterForm::default();
        match addon {
            "exoscale-cloud-controller" => form.cloud_controller = true,
            "exoscale-container-storage-interface" => {
                form.csi = true;
                form.cloud_controller = true;
            }
            "karpenter" => {
                form.karpenter = true;
                form.cloud_controller = true;
                form.level = "pro".into();
            }
            "metrics-server" => form.metrics_server = true,
            _ => return None,
        }
        Some(form)
    }

    /// The create page's address, opening on this form.
    pub fn create_url(&self) -> String {
        #[derive(Serialize)]
        struct Args<'a> {
            form: &'a ClusterForm,
        }
        match serde_qs::to_string(&Args { form: self }) {
            Ok(query) => format!("/clusters/new?{query}"),
            Err(_) => "/clusters/new".into(),
        }
    }
}

/// One nodepool of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodepoolForm {
    #[serde(default)]
    pub name: String,
    /// The instance type's id.
    #[serde(default)]
    pub instance_type: String,
    #[serde(default)]
    pub size: String,
    /// GiB.
    #[serde(default)]
    pub disk_size: String,
    /// One `key=value` per line.
    #[serde(default)]
    pub labels: String,
    /// One `key=value:Effect` per line.
    #[serde(default)]
    pub taints: String,
    /// Ids.
    #[serde(default)]
    pub anti_affinity_groups: Vec<String>,
    /// Ids.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Ids.
    #[serde(default)]
    pub private_networks: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// The first part of the nodes' names; empty for the service's (`pool`).
    #[serde(default)]
    pub instance_prefix: String,
    /// `inet4` (empty means the same) or `dual` (IPv4 and IPv6).
    #[serde(default)]
    pub public_ip_assignment: String,
    /// The deploy target's id (dedicated hypervisors); empty for none.
    #[serde(default)]
    pub deploy_target: String,
    /// Pods per node (the kubelet's `maxPods`); empty for the service's default.
    #[serde(default)]
    pub max_pods: String,
    /// The kubelet's image clean-up: the disk use (percent) that starts it, the one it cleans
    /// down to, and how old an unused image must be (`2m`, `1h30m`). Empty for the service's.
    #[serde(default)]
    pub image_gc_high: String,
    #[serde(default)]
    pub image_gc_low: String,
    #[serde(default)]
    pub image_gc_min_age: String,
}

/// Pods per node, at most (the API's bound).
pub const MAX_PODS_MAX: i64 = 65535;

impl Default for NodepoolForm {
    fn default() -> Self {
        NodepoolForm {
            name: String::new(),
            instance_type: String::new(),
            size: DEFAULT_SIZE.into(),
            disk_size: DEFAULT_DISK_GIB.into(),
            labels: String::new(),
            taints: String::new(),
            anti_affinity_groups: vec![],
            security_groups: vec![],
            private_networks: vec![],
            description: String::new(),
            instance_prefix: String::new(),
            public_ip_assignment: String::new(),
            deploy_target: String::new(),
            max_pods: String::new(),
            image_gc_high: String::new(),
            image_gc_low: String::new(),
            image_gc_min_age: String::new(),
        }
    }
}

/// Something to pick by id, shown by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedChoice {
    pub id: String,
    pub name: String,
}

/// An instance type a nodepool can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceTypeChoice {
    pub id: String,
    /// `family.size`, e.g. `standard.medium`.
    pub name: String,
    pub cpus: i64,
    pub memory_bytes: i64,
    pub gpus: i64,
    /// Whether the organization may use it (GPU types need a request to support).
    pub authorized: bool,
}

impl InstanceTypeChoice {
    /// `standard.medium — 2 vCPU, 4 GiB` (and GPUs when it has some).
    pub fn label(&self) -> String {
        let gib = self.memory_bytes as f64 / (1u64 << 30) as f64;
        let memory = if gib.fract() == 0.0 {
            format!("{gib:.0} GiB")
        } else {
            format!("{gib:.1} GiB")
        };
        let mut label = format!("{} — {} vCPU, {memory}", self.name, self.cpus);
        if self.gpus > 0 {
            label.push_str(&format!(", {} GPU", self.gpus));
        }
        if !self.authorized {
            label.push_str(" (needs authorization)");
        }
        label
    }
}

/// What the form offers in one zone: the organization's zones, the versions (newest first),
/// instance types and the networking resources nodepools can attach to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WizardChoices {
    /// A fresh idempotency token, for a form that has none yet.
    pub token: String,
    /// The zone the lists below are for.
    pub zone: String,
    pub zones: Vec<String>,
    pub versions: Vec<String>,
    pub instance_types: Vec<InstanceTypeChoice>,
    pub security_groups: Vec<NamedChoice>,
    pub anti_affinity_groups: Vec<NamedChoice>,
    pub private_networks: Vec<NamedChoice>,
    /// Dedicated hypervisors nodepools can be placed on.
    #[serde(default)]
    pub deploy_targets: Vec<NamedChoice>,
}

impl WizardChoices {
    /// The `family.size` name of an instance type id.
    pub fn instance_type_name(&self, id: &str) -> Option<&str> {
        self.instance_types
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.as_str())
    }
}

impl ClusterForm {
    /// Fills what is still empty with the choices' defaults: the zone, the newest version, and
    /// the default instance type for pools without one. Typed values are kept.
    pub fn fill_defaults(&mut self, choices: &WizardChoices) {
        if self.token.is_empty() {
            self.token = choices.token.clone();
        }
        if self.zone.is_empty() {
            self.zone = choices.zone.clone();
        }
        if self.version.is_empty()
            && let Some(latest) = choices.versions.first()
        {
            self.version = latest.clone();
        }
        let default_type = choices
            .instance_types
            .iter()
            .find(|t| t.name == DEFAULT_INSTANCE_TYPE)
            .or_else(|| choices.instance_types.first())
            .map(|t| t.id.clone());
        for pool in &mut self.nodepools {
            if pool.instance_type.is_empty()
                && let Some(id) = &default_type
            {
                pool.instance_type = id.clone();
            }
        }
    }

    /// The cluster add-ons the checkboxes ask for, in the CLI's order.
    pub fn addons(&self) -> Vec<ClusterAddon> {
        [
            (self.cloud_controller, ClusterAddon::ExoscaleCloudController),
            (self.metrics_server, ClusterAddon::MetricsServer),
            (self.csi, ClusterAddon::ExoscaleContainerStorageInterface),
            (self.karpenter, ClusterAddon::Karpenter),
        ]
        .into_iter()
        .filter_map(|(on, addon)| on.then_some(addon))
        .collect()
    }
}

/// The requests a valid form stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePlan {
    pub zone: String,
    pub cluster: CreateSksClusterRequest,
    pub nodepools: Vec<CreateSksNodepoolRequest>,
}

/// The wizard's steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Basics,
    Networking,
    Addons,
    Nodepools,
    Review,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 5] = [
        Step::Basics,
        Step::Networking,
        Step::Addons,
        Step::Nodepools,
        Step::Review,
    ];

    /// The step's title.
    pub fn title(self) -> &'static str {
        match self {
            Step::Basics => "Basics",
            Step::Networking => "Networking",
            Step::Addons => "Add-ons",
            Step::Nodepools => "Nodepools",
            Step::Review => "Review",
        }
    }

    /// The step a form field is entered on.
    pub fn of_field(field: &str) -> Step {
        let top = field.split(['[', '.']).next().unwrap_or_default();
        match top {
            "cni" | "kube_proxy" => Step::Networking,
            "cloud_controller" | "csi" | "metrics_server" | "karpenter" | "addons" => Step::Addons,
            "nodepools" => Step::Nodepools,
            "name" | "description" | "zone" | "version" | "level" | "auto_upgrade" => Step::Basics,
            _ => Step::Review,
        }
    }
}

/// Words for a form field, for the error summary: `Name`, `Nodepool 2: disk size`.
pub fn field_label(field: &str) -> String {
    fn label(name: &str) -> &str {
        match name {
            "name" => "name",
            "description" => "description",
            "zone" => "zone",
            "version" => "Kubernetes version",
            "level" => "service level",
            "cni" => "CNI",
            "kube_proxy" => "kube-proxy",
            "karpenter" => "Karpenter",
            "cloud_controller" => "cloud controller",
            "csi" => "block storage (CSI)",
            "instance_type" => "instance type",
            "size" => "size",
            "disk_size" => "disk size",
            "labels" => "labels",
            "taints" => "taints",
            "security_groups" => "security groups",
            "private_networks" => "private networks",
            "anti_affinity_groups" => "anti-affinity groups",
            "instance_prefix" => "node name prefix",
            "public_ip_assignment" => "public IP",
            "deploy_target" => "deploy target",
            "max_pods" => "pods per node",
            "image_gc_high" => "image clean-up starts at",
            "image_gc_low" => "image clean-up down to",
            "image_gc_min_age" => "image minimum age",
            other => other,
        }
    }
    if let Some(rest) = field.strip_prefix("nodepools[")
        && let Some((index, name)) = rest.split_once("].")
        && let Ok(index) = index.parse::<usize>()
    {
        return format!("Nodepool {}: {}", index + 1, label(name));
    }
    let text = label(field);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The form field a contract field path of the cluster body belongs to.
fn cluster_field(path: &str) -> String {
    let top = path.split(['[', '.']).next().unwrap_or_default();
    match top {
        "addons" => "karpenter".into(),
        "enable-kube-proxy" => "kube_proxy".into(),
        other => other.replace('-', "_"),
    }
}

/// The form field a contract field path of nodepool `index` belongs to.
fn nodepool_field(index: usize, path: &str) -> String {
    let field = match path {
        "kubelet-max-pods" => "max_pods".to_owned(),
        "kubelet-image-gc.high-threshold" => "image_gc_high".to_owned(),
        "kubelet-image-gc.low-threshold" => "image_gc_low".to_owned(),
        p if p.starts_with("kubelet-image-gc") => "image_gc_min_age".to_owned(),
        p => p
            .split(['[', '.'])
            .next()
            .unwrap_or_default()
            .replace('-', "_"),
    };
    format!("nodepools[{index}].{field}")
}

/// Whether `text` is a duration as the kubelet reads it: numbers each followed by a unit
/// (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), e.g. `2m`, `1h30m`, `90s`.
pub fn is_duration(text: &str) -> bool {
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 || rest[..digits].parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .into_iter()
            .filter(|u| rest.starts_with(u))
            .max_by_key(|u| u.len())
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

/// The kubelet settings and deploy target of a pool's form, checked: each error names its
/// field and says what is allowed.
fn check_kubelet(
    pool: &NodepoolForm,
    choices: &WizardChoices,
    field: &dyn Fn(&str) -> String,
    request: &mut CreateSksNodepoolRequest,
    errors: &mut Vec<FieldError>,
) {
    let target = pool.deploy_target.trim();
    if !target.is_empty() {
        match target.parse::<Uuid>() {
            Ok(id) if choices.deploy_targets.iter().any(|t| t.id == target) => {
                request.deploy_target = Some(Ref::from(id));
            }
            _ => errors.push(FieldError::new(
                field("deploy_target"),
                format!("{target:?} is not one of this zone's deploy targets"),
            )),
        }
    }
    let max_pods = pool.max_pods.trim();
    if !max_pods.is_empty() {
        match max_pods.parse::<i64>() {
            Ok(n) if (1..=MAX_PODS_MAX).contains(&n) => request.kubelet_max_pods = Some(n),
            _ => errors.push(FieldError::new(
                field("max_pods"),
                format!(
                    "must be a whole number of pods from 1 to {MAX_PODS_MAX}, or empty for the service's default; not {max_pods:?}"
                ),
            )),
        }
    }
    let percent = |text: &str, name: &str, errors: &mut Vec<FieldError>| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match text.parse::<i64>() {
            Ok(n) if (0..=100).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(
                    field(name),
                    format!("must be a whole percentage of the disk from 0 to 100; not {text:?}"),
                ));
                None
            }
        }
    };
    let high = percent(&pool.image_gc_high, "image_gc_high", errors);
    let low = percent(&pool.image_gc_low, "image_gc_low", errors);
    if let (Some(high), Some(low)) = (high, low)
        && low >= high
    {
        errors.push(FieldError::new(
            field("image_gc_low"),
            format!("must be below the threshold that starts the clean-up ({high}%); not {low}%"),
        ));
    }
    let min_age = pool.image_gc_min_age.trim();
    if !min_age.is_empty() && !is_duration(min_age) {
        errors.push(FieldError::new(
            field("image_gc_min_age"),
            format!("must be a duration such as 2m, 90s or 1h30m; not {min_age:?}"),
        ));
    }
    if high.is_some() || low.is_some() || !min_age.is_empty() {
        request.kubelet_image_gc = Some(sks_api::KubeletImageGc {
            high_threshold: high,
            low_threshold: low,
            min_age: (!min_age.is_empty()).then(|| min_age.to_owned()),
        });
    }
}

/// Reads `key=value` lines; blank lines are skipped.
pub(crate) fn parse_labels(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Labels {
    let mut labels = Labels::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                let key = key.trim().to_owned();
                if labels
                    .insert(key.clone(), value.trim().to_owned())
                    .is_some()
                {
                    errors.push(FieldError::new(
                        field,
                        format!("line {}: the key {key:?} is given twice", number + 1),
                    ));
                }
            }
            _ => errors.push(FieldError::new(
                field,
                format!(
                    "line {}: write one label per line as key=value, not {line:?}",
                    number + 1
                ),
            )),
        }
    }
    labels
}

/// Reads `key=value:Effect` lines (the CLI's taint form); blank lines are skipped.
pub(crate) fn parse_taints(
    text: &str,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> SksNodepoolTaints {
    let mut taints = SksNodepoolTaints::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = line.split_once('=').and_then(|(key, rest)| {
            let (value, effect) = rest.rsplit_once(':')?;
            Some((key.trim(), value.trim(), effect.trim()))
        });
        match parsed {
            Some((key, value, effect)) if !key.is_empty() => {
                let taint = SksNodepoolTaint {
                    value: value.to_owned(),
                    effect: TaintEffect::from_wire(effect),
                };
                if taints.insert(key.to_owned(), taint).is_some() {
                    errors.push(FieldError::new(
                        field,
                        format!("line {}: the key {key:?} is given twice", number + 1),
                    ));
                }
            }
            _ => errors.push(FieldError::new(
                field,
                format!(
                    "line {}: write one taint per line as key=value:Effect (Effect is NoSchedule, \
                     PreferNoSchedule or NoExecute), not {line:?}",
                    number + 1
                ),
            )),
        }
    }
    taints
}

/// A whole number typed in a field.
fn parse_number(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// Ids picked from `offered`; anything else is refused.
fn parse_refs(
    ids: &[String],
    offered: &[NamedChoice],
    field: &str,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<Ref>> {
    let mut refs = Vec::new();
    for id in ids.iter().filter(|id| !id.trim().is_empty()) {
        match id.trim().parse::<Uuid>() {
            Ok(uuid) if offered.iter().any(|c| c.id == id.trim()) => refs.push(Ref::from(uuid)),
            _ => errors.push(FieldError::new(
                field,
                format!("{id:?} is not one of this zone's {what}"),
            )),
        }
    }
    (!refs.is_empty()).then_some(refs)
}

/// Turns the form into the requests it stands for, or into every field error it has, named
/// by form field. `choices` are the offers of the form's zone: the zone, version, instance
/// types and groups must come from them.
pub fn plan(form: &ClusterForm, choices: &WizardChoices) -> Result<CreatePlan, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();

    let zone = form.zone.trim();
    if zone.is_empty() {
        errors.push(FieldError::new("zone", "is required: choose a zone"));
    } else if !choices.zones.iter().any(|z| z == zone) {
        errors.push(FieldError::new(
            "zone",
            format!(
                "must be one of your organization's zones: {}; not {zone:?}",
                choices.zones.join(", ")
            ),
        ));
    }
    let version = form.version.trim();
    if !version.is_empty()
        && !choices.versions.is_empty()
        && !choices.versions.iter().any(|v| v == version)
    {
        errors.push(FieldError::new(
            "version",
            format!(
                "must be one of the versions offered: {}; not {version:?}",
                choices.versions.join(", ")
            ),
        ));
    }

    let description = form.description.trim();
    let mut cluster = CreateSksClusterRequest::new(
        form.name.trim(),
        Level::from_wire(form.level.trim()),
        version,
    );
    cluster.description = (!description.is_empty()).then(|| description.to_owned());
    cluster.cni = match form.cni.trim() {
        "" => None,
        cni => Some(Cni::from_wire(cni)),
    };
    cluster.enable_kube_proxy = Some(form.kube_proxy);
    cluster.auto_upgrade = Some(form.auto_upgrade);
    cluster.addons = Some(form.addons());
    if form.csi && !form.cloud_controller {
        // A service rule the CLI states (the contract's schema does not).
        errors.push(FieldError::new(
            "csi",
            "block storage (CSI) needs the Exoscale cloud controller: turn both on, or neither",
        ));
    }
    let mut check = Check::default();
    cluster.check(&mut check, "");
    if let Err(invalid) = check.finish() {
        errors.extend(
            invalid
                .0
                .into_iter()
                .map(|e| FieldError::new(cluster_field(&e.field), e.message)),
        );
    }

    let mut nodepools = Vec::new();
    let mut names = BTreeSet::new();
    for (index, pool) in form.nodepools.iter().enumerate() {
        nodepools.push(check_nodepool(
            index,
            pool,
            choices,
            &mut names,
            &mut errors,
        ));
    }

    if errors.is_empty() {
        Ok(CreatePlan {
            zone: zone.to_owned(),
            cluster,
            nodepools,
        })
    } else {
        Err(errors)
    }
}

/// Checks nodepool `index` of a form: every error goes to `errors`, named by form field
/// (`nodepools[{index}].size`); `names` holds the names already taken (by the form's earlier
/// pools, or by the cluster's pools) and gains this one. The request stands for the pool when
/// nothing was added to `errors`.
pub(crate) fn check_nodepool(
    index: usize,
    pool: &NodepoolForm,
    choices: &WizardChoices,
    names: &mut BTreeSet<String>,
    errors: &mut Vec<FieldError>,
) -> CreateSksNodepoolRequest {
    let field = |name: &str| format!("nodepools[{index}].{name}");
    let before = errors.len();
    let name = pool.name.trim();
    if !name.is_empty() && !names.insert(name.to_owned()) {
        errors.push(FieldError::new(
            field("name"),
            format!(
                "another nodepool of this cluster is already called {name:?}; names must differ"
            ),
        ));
    }
    let size = parse_number(&pool.size);
    if size.is_none() {
        errors.push(FieldError::new(
            field("size"),
            format!(
                "must be a whole number of nodes, at least 1; not {:?}",
                pool.size
            ),
        ));
    }
    let disk_size = parse_number(&pool.disk_size);
    if disk_size.is_none() {
        errors.push(FieldError::new(
            field("disk_size"),
            format!(
                "must be a whole number of GiB between {} and {}; not {:?}",
                sks_api::validate::DISK_SIZE_MIN,
                sks_api::validate::DISK_SIZE_MAX,
                pool.disk_size
            ),
        ));
    }
    let instance_type = match pool.instance_type.trim() {
        "" => {
            errors.push(FieldError::new(
                field("instance_type"),
                "is required: choose an instance type",
            ));
            None
        }
        id => match id.parse::<Uuid>() {
            Ok(uuid) if choices.instance_types.iter().any(|t| t.id == id) => Some(uuid),
            _ => {
                errors.push(FieldError::new(
                    field("instance_type"),
                    format!("{id:?} is not an instance type offered in this zone"),
                ));
                None
            }
        },
    };
    let labels = parse_labels(&pool.labels, &field("labels"), errors);
    let taints = parse_taints(&pool.taints, &field("taints"), errors);
    let security_groups = parse_refs(
        &pool.security_groups,
        &choices.security_groups,
        &field("security_groups"),
        "security groups",
        errors,
    );
    let private_networks = parse_refs(
        &pool.private_networks,
        &choices.private_networks,
        &field("private_networks"),
        "private networks",
        errors,
    );
    let anti_affinity_groups = parse_refs(
        &pool.anti_affinity_groups,
        &choices.anti_affinity_groups,
        &field("anti_affinity_groups"),
        "anti-affinity groups",
        errors,
    );
    let mut request = CreateSksNodepoolRequest::new(
        name,
        size.unwrap_or(1),
        disk_size.unwrap_or(sks_api::validate::DISK_SIZE_MIN),
        instance_type.unwrap_or_default(),
    );
    request.labels = (!labels.is_empty()).then_some(labels);
    request.taints = (!taints.is_empty()).then_some(taints);
    request.security_groups = security_groups;
    request.private_networks = private_networks;
    request.anti_affinity_groups = anti_affinity_groups;
    let description = pool.description.trim();
    request.description = (!description.is_empty()).then(|| description.to_owned());
    let prefix = pool.instance_prefix.trim();
    request.instance_prefix = (!prefix.is_empty()).then(|| prefix.to_owned());
    request.public_ip_assignment = match pool.public_ip_assignment.trim() {
        "" => None,
        other => Some(PublicIpAssignment::from_wire(other)),
    };
    check_kubelet(pool, choices, &field, &mut request, errors);
    let mut check = Check::default();
    request.check(&mut check, "");
    if let Err(invalid) = check.finish() {
        // A field already refused by the form (a size that is not a number) is not refused
        // again for the placeholder put in its place.
        let refused: BTreeSet<String> = errors[before..]
            .iter()
            .map(|e| e.field.clone())
            .filter(|f| {
                [
                    field("size"),
                    field("disk_size"),
                    field("instance_type"),
                    field("max_pods"),
                    field("image_gc_high"),
                    field("image_gc_low"),
                    field("image_gc_min_age"),
                ]
                .contains(f)
            })
            .collect();
        errors.extend(
            invalid
                .0
                .into_iter()
                .map(|e| FieldError::new(nodepool_field(index, &e.field), e.message))
                .filter(|e| !refused.contains(&e.field)),
        );
    }
    request
}

/// The `create-sks-nodepool` body of the first (only) nodepool of `form`, to add to a running
/// cluster whose pools are called `existing`: the wizard's own checks of a nodepool (the same
/// function, the same words), plus a name distinct from the cluster's pools. Errors are named
/// `nodepools[0].…`, as the wizard's.
pub fn plan_nodepool(
    form: &ClusterForm,
    choices: &WizardChoices,
    existing: &[String],
) -> Result<CreateSksNodepoolRequest, Vec<FieldError>> {
    let Some(pool) = form.nodepools.first() else {
        return Err(vec![FieldError::new(
            "nodepools[0].name",
            "describe the nodepool to add",
        )]);
    };
    let mut names: BTreeSet<String> = existing.iter().cloned().collect();
    let mut errors = Vec::new();
    let request = check_nodepool(0, pool, choices, &mut names, &mut errors);
    if errors.is_empty() {
        Ok(request)
    } else {
        Err(errors)
    }
}

/// The errors of `errors` that belong to `step`.
pub fn errors_of_step(errors: &[FieldError], step: Step) -> Vec<FieldError> {
    errors
        .iter()
        .filter(|e| Step::of_field(&e.field) == step)
        .cloned()
        .collect()
}

/// Labels as the review shows them (`a=b, c=d`).
pub fn labels_text(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const MEDIUM: &str = "4c6bd7a5-2d8a-4e1a-8b0b-1b3f3b0a2c11";
    pub const GPU: &str = "9a6b1f3c-6f0e-4d4f-9d56-5f6f7e2b9c01";
    pub const SG: &str = "11111111-2222-4333-8444-555555555555";
    pub const TARGET: &str = "66666666-7777-4888-9999-000000000000";

    pub fn choices() -> WizardChoices {
        WizardChoices {
            token: "tok".into(),
            zone: "ch-gva-2".into(),
            zones: vec!["ch-gva-2".into(), "de-fra-1".into()],
            versions: vec!["1.36.3".into(), "1.35.6".into()],
            instance_types: vec![
                InstanceTypeChoice {
                    id: MEDIUM.into(),
                    name: "standard.medium".into(),
                    cpus: 2,
                    memory_bytes: 4 << 30,
                    gpus: 0,
                    authorized: true,
                },
                InstanceTypeChoice {
                    id: GPU.into(),
                    name: "gpua30.small".into(),
                    cpus: 12,
                    memory_bytes: 56 << 30,
                    gpus: 1,
                    authorized: false,
                },
            ],
            security_groups: vec![NamedChoice {
                id: SG.into(),
                name: "web".into(),
            }],
            anti_affinity_groups: vec![],
            private_networks: vec![],
            deploy_targets: vec![NamedChoice {
                id: TARGET.into(),
                name: "dedicated-1".into(),
            }],
        }
    }

    pub fn valid_form() -> ClusterForm {
        let mut form = ClusterForm {
            name: "web prod".into(),
            ..ClusterForm::default()
        };
        form.nodepools[0].name = "workers".into();
        form.nodepools.push(NodepoolForm {
            name: "gpu".into(),
            instance_type: GPU.into(),
            size: "1".into(),
            disk_size: "100".into(),
            labels: "team=ml\n\nrole = gpu".into(),
            taints: "nvidia.com/gpu=present:NoSchedule".into(),
            security_groups: vec![SG.into()],
            ..NodepoolForm::default()
        });
        form.fill_defaults(&choices());
        form
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    fn message<'a>(errors: &'a [FieldError], field: &str) -> &'a str {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
            .unwrap_or_else(|| panic!("no error for {field}: {errors:?}"))
    }

    #[test]
    fn an_addon_link_opens_the_wizard_with_the_addon_and_what_it_needs() {
        let form = ClusterForm::with_addon("karpenter").unwrap();
        assert!(form.karpenter && form.cloud_controller && form.metrics_server);
        assert_eq!(form.level, "pro");
        let url = form.create_url();
        let query = url.strip_prefix("/clusters/new?").unwrap();
        #[derive(serde::Deserialize)]
        struct Args {
            form: ClusterForm,
        }
        let args: Args = serde_qs::Config::new(5, false)
            .deserialize_str(query)
            .unwrap();
        assert_eq!(args.form, form);
        assert!(
            ClusterForm::with_addon("exoscale-container-storage-interface")
                .unwrap()
                .csi
        );
        assert_eq!(ClusterForm::with_addon("dashboard"), None);
    }

    #[test]
    fn defaults_are_the_clients_defaults_and_fill_from_the_choices() {
        let form = valid_form();
        assert_eq!(form.token, "tok");
        assert_eq!(form.zone, "ch-gva-2");
        assert_eq!(form.version, "1.36.3", "the latest version");
        assert_eq!(form.nodepools[0].instance_type, MEDIUM);
        assert_eq!(form.nodepools[1].instance_type, GPU, "a choice is kept");
        assert_eq!(
            form.addons(),
            [
                ClusterAddon::ExoscaleCloudController,
                ClusterAddon::MetricsServer
            ]
        );
    }

    #[test]
    fn a_valid_form_becomes_the_requests() {
        let plan = plan(&valid_form(), &choices()).unwrap();
        assert_eq!(plan.zone, "ch-gva-2");
        let cluster = serde_json::to_value(&plan.cluster).unwrap();
        assert_eq!(
            cluster,
            serde_json::json!({
                "name": "web prod",
                "level": "pro",
                "version": "1.36.3",
                "cni": "calico",
                "auto-upgrade": false,
                "enable-kube-proxy": true,
                "addons": ["exoscale-cloud-controller", "metrics-server"],
            })
        );
        assert_eq!(plan.nodepools.len(), 2);
        let gpu = serde_json::to_value(&plan.nodepools[1]).unwrap();
        assert_eq!(
            gpu,
            serde_json::json!({
                "name": "gpu",
                "size": 1,
                "disk-size": 100,
                "instance-type": {"id": GPU},
                "labels": {"role": "gpu", "team": "ml"},
                "taints": {"nvidia.com/gpu": {"value": "present", "effect": "NoSchedule"}},
                "security-groups": [{"id": SG}],
            })
        );
        let workers = serde_json::to_value(&plan.nodepools[0]).unwrap();
        assert_eq!(workers["size"], 2);
        assert_eq!(workers["disk-size"], 50);
        assert!(workers.get("labels").is_none(), "nothing empty is sent");
    }

    #[test]
    fn no_cni_omits_it_and_no_nodepool_is_allowed() {
        let mut form = valid_form();
        form.cni = String::new();
        form.nodepools.clear();
        let plan = plan(&form, &choices()).unwrap();
        assert_eq!(plan.cluster.cni, None);
        assert!(plan.nodepools.is_empty());
    }

    #[test]
    fn every_refusal_names_its_form_field_and_what_is_allowed() {
        let mut form = valid_form();
        form.name = "  ".into();
        form.level = "gold".into();
        form.version = "1.20.0".into();
        form.zone = "mars-1".into();
        form.cni = "flannel".into();
        form.nodepools[0].size = "three".into();
        form.nodepools[0].disk_size = "19".into();
        form.nodepools[1].size = "0".into();
        form.nodepools[1].disk_size = "".into();
        form.nodepools[1].labels = "just-a-key".into();
        form.nodepools[1].taints = "gpu=yes:Sometimes\nnocolon=x".into();
        form.nodepools[1].instance_type = "not-an-id".into();
        form.nodepools[1].security_groups = vec![MEDIUM.into()];
        let errors = plan(&form, &choices()).unwrap_err();
        assert_eq!(
            message(&errors, "name"),
            "is required (must be 1 to 255 characters)"
        );
        assert_eq!(
            message(&errors, "level"),
            "must be one of: pro, starter; not \"gold\""
        );
        assert!(message(&errors, "version").contains("1.36.3, 1.35.6"));
        assert!(message(&errors, "zone").contains("ch-gva-2, de-fra-1"));
        assert!(message(&errors, "cni").contains("calico, cilium"));
        assert_eq!(
            message(&errors, "nodepools[0].size"),
            "must be a whole number of nodes, at least 1; not \"three\""
        );
        assert_eq!(
            message(&errors, "nodepools[0].disk_size"),
            "must be between 20 and 51200, not 19"
        );
        assert_eq!(
            message(&errors, "nodepools[1].size"),
            "must be at least 1, not 0"
        );
        assert!(message(&errors, "nodepools[1].disk_size").contains("between 20 and 51200"));
        assert!(message(&errors, "nodepools[1].labels").contains("key=value"));
        assert!(message(&errors, "nodepools[1].instance_type").contains("not an instance type"));
        assert!(message(&errors, "nodepools[1].security_groups").contains("security groups"));
        let taints: Vec<&str> = errors
            .iter()
            .filter(|e| e.field == "nodepools[1].taints")
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(taints.len(), 2, "{taints:?}");
        assert!(taints.iter().any(|m| m.contains("NoSchedule")));
        // The placeholder of a refused number is not refused a second time.
        assert_eq!(
            fields(&errors)
                .iter()
                .filter(|f| **f == "nodepools[0].size")
                .count(),
            1
        );
    }

    #[test]
    fn karpenter_and_block_storage_need_the_cloud_controller() {
        let mut form = valid_form();
        form.level = "starter".into();
        form.karpenter = true;
        form.cloud_controller = false;
        let errors = plan(&form, &choices()).unwrap_err();
        assert_eq!(fields(&errors), ["karpenter", "karpenter"]);
        assert!(errors.iter().any(|e| e.message.contains("pro level")));
        assert_eq!(Step::of_field("karpenter"), Step::Addons);
        form.karpenter = false;
        form.csi = true;
        let errors = plan(&form, &choices()).unwrap_err();
        assert_eq!(fields(&errors), ["csi"]);
        assert_eq!(Step::of_field("csi"), Step::Addons);
    }

    #[test]
    fn nodepool_names_must_differ() {
        let mut form = valid_form();
        form.nodepools[1].name = "workers".into();
        let errors = plan(&form, &choices()).unwrap_err();
        assert_eq!(fields(&errors), ["nodepools[1].name"]);
    }

    #[test]
    fn errors_belong_to_steps_and_have_words() {
        let mut form = valid_form();
        form.name = String::new();
        form.cni = "flannel".into();
        form.nodepools[1].disk_size = "10".into();
        let errors = plan(&form, &choices()).unwrap_err();
        assert_eq!(fields(&errors_of_step(&errors, Step::Basics)), ["name"]);
        assert_eq!(fields(&errors_of_step(&errors, Step::Networking)), ["cni"]);
        assert_eq!(
            fields(&errors_of_step(&errors, Step::Nodepools)),
            ["nodepools[1].disk_size"]
        );
        assert_eq!(
            field_label("nodepools[1].disk_size"),
            "Nodepool 2: disk size"
        );
        assert_eq!(field_label("name"), "Name");
        assert_eq!(field_label("version"), "Kubernetes version");
    }

    #[test]
    fn the_form_reads_back_from_its_html_names() {
        // What a browser without JavaScript posts (brackets percent-encoded, unchecked boxes
        // absent, multi-selects repeated).
        let body = "form%5Btoken%5D=t&form%5Bname%5D=web&form%5Bzone%5D=ch-gva-2\
            &form%5Bversion%5D=1.36.3&form%5Blevel%5D=pro&form%5Bcni%5D=\
            &form%5Bmetrics_server%5D=true\
            &form%5Bnodepools%5D%5B0%5D%5Bname%5D=a&form%5Bnodepools%5D%5B0%5D%5Bsize%5D=3\
            &form%5Bnodepools%5D%5B1%5D%5Bname%5D=b\
            &form%5Bnodepools%5D%5B1%5D%5Bsecurity_groups%5D%5B%5D=x\
            &form%5Bnodepools%5D%5B1%5D%5Bsecurity_groups%5D%5B%5D=y\
            &form%5Bnodepools%5D%5B1%5D%5Btaints%5D=a%3Db%3ANoSchedule%0D%0Ac%3Dd%3ANoExecute";
        #[derive(Deserialize)]
        struct Args {
            form: ClusterForm,
        }
        let args: Args = serde_qs::Config::new(5, false)
            .deserialize_str(body)
            .unwrap();
        let form = args.form;
        assert_eq!((form.name.as_str(), form.cni.as_str()), ("web", ""));
        assert!(form.metrics_server && !form.cloud_controller && !form.kube_proxy);
        assert_eq!(form.nodepools.len(), 2);
        assert_eq!(form.nodepools[0].size, "3");
        assert_eq!(form.nodepools[1].security_groups, ["x", "y"]);
        assert_eq!(form.nodepools[1].taints.lines().count(), 2);
        // And what the hydrated app sends reads back the same.
        let sent = serde_qs::to_string(&serde_json::json!({ "form": valid_form() })).unwrap();
        let back: Args = serde_qs::Config::new(5, false)
            .deserialize_str(&sent)
            .unwrap();
        assert_eq!(back.form, valid_form());
    }

    #[test]
    fn a_pool_added_to_a_running_cluster_is_checked_as_in_the_wizard_and_named_apart() {
        let mut form = valid_form();
        form.nodepools.remove(0);
        let request = plan_nodepool(&form, &choices(), &["workers".into()]).expect("valid");
        assert_eq!(request.name, "gpu");
        assert_eq!(request.size, 1);
        assert_eq!(request.taints.as_ref().map(|t| t.len()), Some(1));

        let clash = plan_nodepool(&form, &choices(), &["gpu".into()]).unwrap_err();
        assert_eq!(clash[0].field, "nodepools[0].name");
        assert!(
            clash[0].message.contains("already called \"gpu\""),
            "{clash:?}"
        );

        form.nodepools[0].size = "many".into();
        form.nodepools[0].taints = "oops".into();
        let fields: Vec<String> = plan_nodepool(&form, &choices(), &[])
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["nodepools[0].size", "nodepools[0].taints"]);
        form.nodepools.clear();
        let none = plan_nodepool(&form, &choices(), &[]).unwrap_err();
        assert_eq!(none[0].field, "nodepools[0].name");
    }

    #[test]
    fn deploy_target_pods_per_node_and_image_clean_up_are_checked_and_sent() {
        let mut form = valid_form();
        form.nodepools.remove(0);
        let pool = &mut form.nodepools[0];
        pool.deploy_target = TARGET.into();
        pool.max_pods = "60".into();
        pool.image_gc_high = "90".into();
        pool.image_gc_low = "70".into();
        pool.image_gc_min_age = "1h30m".into();
        let request = plan_nodepool(&form, &choices(), &[]).expect("valid");
        assert_eq!(
            request.deploy_target.map(|t| t.id.to_string()).as_deref(),
            Some(TARGET)
        );
        assert_eq!(request.kubelet_max_pods, Some(60));
        assert_eq!(
            request.kubelet_image_gc,
            Some(sks_api::KubeletImageGc {
                high_threshold: Some(90),
                low_threshold: Some(70),
                min_age: Some("1h30m".into()),
            })
        );

        let pool = &mut form.nodepools[0];
        pool.deploy_target = SG.into();
        pool.max_pods = "0".into();
        pool.image_gc_high = "70".into();
        pool.image_gc_low = "80".into();
        pool.image_gc_min_age = "two minutes".into();
        let errors = plan_nodepool(&form, &choices(), &[]).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "nodepools[0].deploy_target",
                "nodepools[0].max_pods",
                "nodepools[0].image_gc_low",
                "nodepools[0].image_gc_min_age"
            ],
            "{errors:?}"
        );
        assert!(message(&errors, "nodepools[0].max_pods").contains("from 1 to 65535"));
        assert!(message(&errors, "nodepools[0].image_gc_low").contains("below"));
        assert_eq!(
            field_label("nodepools[0].max_pods"),
            "Nodepool 1: pods per node"
        );

        form.nodepools[0].image_gc_high = "101".into();
        let errors = plan_nodepool(&form, &choices(), &[]).unwrap_err();
        assert!(message(&errors, "nodepools[0].image_gc_high").contains("0 to 100"));
        for (text, ok) in [
            ("2m", true),
            ("1h30m", true),
            ("1.5h", true),
            ("90s", true),
            ("m", false),
            ("2", false),
            ("2 m", false),
            ("", false),
        ] {
            assert_eq!(is_duration(text), ok, "{text:?}");
        }
    }
}
