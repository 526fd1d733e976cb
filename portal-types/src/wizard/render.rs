//! The review step's three renderings of one [`CreatePlan`]: the API bodies exactly as sent,
//! the `exo compute sks` commands, and Terraform (`exoscale_sks_cluster` +
//! `exoscale_sks_nodepool`). Pure functions: the values people type reach a shell or HCL only
//! through [`shell_quote`] and [`hcl_string`].

use sks_api::{ClusterAddon, CreateSksNodepoolRequest, Ref};

use super::form::{CreatePlan, WizardChoices};

/// One API call of the plan: what it is, and its body as pretty JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    /// `POST /v2/sks-cluster` and the like.
    pub title: String,
    pub body: String,
}

/// The calls the wizard makes, in order, with the bodies it sends. The cluster's id is only
/// known once the first call answers, hence `{cluster-id}`.
pub fn api_calls(plan: &CreatePlan) -> Vec<ApiCall> {
    let mut calls = vec![ApiCall {
        title: format!("POST /v2/sks-cluster (zone {})", plan.zone),
        body: pretty(&plan.cluster),
    }];
    for pool in &plan.nodepools {
        calls.push(ApiCall {
            title: "POST /v2/sks-cluster/{cluster-id}/nodepool".into(),
            body: pretty(pool),
        });
    }
    calls
}

/// A body as pretty JSON (serializing plain data cannot fail).
pub fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A word for a POSIX shell: as is when it only has safe characters, otherwise in single
/// quotes (a single quote inside becomes `'\''`).
pub fn shell_quote(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if safe {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// An HCL string literal: quotes, backslashes and control characters escaped, and `${` / `%{`
/// doubled so nothing typed is read as a template.
pub fn hcl_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Terraform resource name from a free-form name: letters, digits and `_`, starting with a
/// letter or `_`.
pub fn hcl_identifier(name: &str, fallback: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if id.trim_matches('_').is_empty() {
        id = fallback.to_owned();
    }
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, '_');
    }
    id
}

fn type_name(pool: &CreateSksNodepoolRequest, choices: &WizardChoices) -> String {
    let id = pool.instance_type.id.to_string();
    choices
        .instance_type_name(&id)
        .map(str::to_owned)
        .unwrap_or(id)
}

fn ids(refs: &Option<Vec<Ref>>) -> Vec<String> {
    refs.iter().flatten().map(|r| r.id.to_string()).collect()
}

/// The `exo compute sks create` and `exo compute sks nodepool add` commands that make the same
/// cluster. `--nodepool-size 0` keeps `create` from adding a default nodepool of its own.
pub fn exo_commands(plan: &CreatePlan, choices: &WizardChoices) -> String {
    let cluster = &plan.cluster;
    let addons = cluster.addons.clone().unwrap_or_default();
    let has = |addon: ClusterAddon| addons.contains(&addon);
    let mut create = vec![
        format!("exo compute sks create {}", shell_quote(&cluster.name)),
        format!("--zone {}", shell_quote(&plan.zone)),
        format!("--kubernetes-version {}", shell_quote(&cluster.version)),
        format!("--service-level {}", shell_quote(cluster.level.as_str())),
    ];
    match &cluster.cni {
        Some(cni) => create.push(format!("--cni {}", shell_quote(cni.as_str()))),
        None => create.push("--no-cni".into()),
    }
    if let Some(description) = &cluster.description {
        create.push(format!("--description {}", shell_quote(description)));
    }
    if cluster.auto_upgrade == Some(true) {
        create.push("--auto-upgrade".into());
    }
    if let Some(kube_proxy) = cluster.enable_kube_proxy {
        create.push(format!("--enable-kube-proxy={kube_proxy}"));
    }
    if !has(ClusterAddon::ExoscaleCloudController) {
        create.push("--no-exoscale-ccm".into());
    }
    if !has(ClusterAddon::MetricsServer) {
        create.push("--no-metrics-server".into());
    }
    if has(ClusterAddon::ExoscaleContainerStorageInterface) {
        create.push("--exoscale-csi".into());
    }
    if has(ClusterAddon::Karpenter) {
        create.push("--enable-karpenter-addon".into());
    }
    create.push("--nodepool-size 0".into());
    let mut out = create.join(" \\\n    ");
    for pool in &plan.nodepools {
        out.push_str("\n\n");
        out.push_str(&exo_nodepool_add(&cluster.name, &plan.zone, pool, choices));
    }
    out.push('\n');
    out
}

/// The `exo compute sks nodepool add` command that adds `pool` to the cluster called
/// `cluster` in `zone` (one command, its options one per line).
pub fn exo_nodepool_add(
    cluster: &str,
    zone: &str,
    pool: &CreateSksNodepoolRequest,
    choices: &WizardChoices,
) -> String {
    let mut add = vec![
        format!(
            "exo compute sks nodepool add {} {}",
            shell_quote(cluster),
            shell_quote(&pool.name)
        ),
        format!("--zone {}", shell_quote(zone)),
        format!("--size {}", pool.size),
        format!("--instance-type {}", shell_quote(&type_name(pool, choices))),
        format!("--disk-size {}", pool.disk_size),
    ];
    if let Some(description) = &pool.description {
        add.push(format!("--description {}", shell_quote(description)));
    }
    if let Some(prefix) = &pool.instance_prefix {
        add.push(format!("--instance-prefix {}", shell_quote(prefix)));
    }
    if pool.public_ip_assignment == Some(sks_api::PublicIpAssignment::Dual) {
        add.push("--public-ip dual".into());
    }
    if let Some(target) = &pool.deploy_target {
        add.push(format!("--deploy-target {}", target.id));
    }
    // The CLI sends its own image clean-up defaults (85 / 80 / 2m) for what is not given.
    if let Some(gc) = &pool.kubelet_image_gc {
        if let Some(high) = gc.high_threshold {
            add.push(format!("--image-gc-high-threshold {high}"));
        }
        if let Some(low) = gc.low_threshold {
            add.push(format!("--image-gc-low-threshold {low}"));
        }
        if let Some(age) = &gc.min_age {
            add.push(format!("--image-gc-min-age {}", shell_quote(age)));
        }
    }
    for (key, value) in pool.labels.iter().flatten() {
        add.push(format!(
            "--label {}",
            shell_quote(&format!("{key}={value}"))
        ));
    }
    for (key, taint) in pool.taints.iter().flatten() {
        let text = format!("{key}={}:{}", taint.value, taint.effect);
        add.push(format!("--taint {}", shell_quote(&text)));
    }
    for (flag, refs) in [
        ("--security-group", &pool.security_groups),
        ("--private-network", &pool.private_networks),
        ("--anti-affinity-group", &pool.anti_affinity_groups),
    ] {
        for id in ids(refs) {
            add.push(format!("{flag} {id}"));
        }
    }
    add.join(" \\\n    ")
}

/// An HCL map of strings, one entry per line.
fn hcl_map<'a>(entries: impl Iterator<Item = (&'a String, String)>) -> String {
    let lines: Vec<String> = entries
        .map(|(key, value)| format!("    {} = {}", hcl_string(key), hcl_string(&value)))
        .collect();
    format!("{{\n{}\n  }}", lines.join("\n"))
}

/// Terraform for the same cluster: one `exoscale_sks_cluster` and one `exoscale_sks_nodepool`
/// per nodepool, referring to it.
pub fn terraform(plan: &CreatePlan, choices: &WizardChoices) -> String {
    let cluster = &plan.cluster;
    let addons = cluster.addons.clone().unwrap_or_default();
    let has = |addon: ClusterAddon| addons.contains(&addon);
    let resource = hcl_identifier(&cluster.name, "cluster");
    let mut lines = vec![
        format!("resource \"exoscale_sks_cluster\" \"{resource}\" {{"),
        format!("  zone           = {}", hcl_string(&plan.zone)),
        format!("  name           = {}", hcl_string(&cluster.name)),
    ];
    if let Some(description) = &cluster.description {
        lines.push(format!("  description    = {}", hcl_string(description)));
    }
    lines.extend([
        format!("  version        = {}", hcl_string(&cluster.version)),
        format!("  service_level  = {}", hcl_string(cluster.level.as_str())),
        format!(
            "  cni            = {}",
            hcl_string(cluster.cni.as_ref().map(|c| c.as_str()).unwrap_or(""))
        ),
        format!(
            "  enable_kube_proxy = {}",
            cluster.enable_kube_proxy.unwrap_or(true)
        ),
        format!(
            "  auto_upgrade   = {}",
            cluster.auto_upgrade.unwrap_or(false)
        ),
        format!(
            "  exoscale_ccm   = {}",
            has(ClusterAddon::ExoscaleCloudController)
        ),
        format!("  metrics_server = {}", has(ClusterAddon::MetricsServer)),
        format!(
            "  exoscale_csi   = {}",
            has(ClusterAddon::ExoscaleContainerStorageInterface)
        ),
        format!("  enable_karpenter = {}", has(ClusterAddon::Karpenter)),
        "}".to_owned(),
    ]);
    let mut used = vec![resource.clone()];
    for (index, pool) in plan.nodepools.iter().enumerate() {
        let mut name = hcl_identifier(&pool.name, &format!("nodepool_{}", index + 1));
        if used.contains(&name) {
            name = format!("{name}_{}", index + 1);
        }
        used.push(name.clone());
        lines.push(String::new());
        lines.extend([
            format!("resource \"exoscale_sks_nodepool\" \"{name}\" {{"),
            format!("  cluster_id    = exoscale_sks_cluster.{resource}.id"),
            format!("  zone          = exoscale_sks_cluster.{resource}.zone"),
            format!("  name          = {}", hcl_string(&pool.name)),
            format!(
                "  instance_type = {}",
                hcl_string(&type_name(pool, choices))
            ),
            format!("  size          = {}", pool.size),
            format!("  disk_size     = {}", pool.disk_size),
        ]);
        if let Some(description) = &pool.description {
            lines.push(format!("  description   = {}", hcl_string(description)));
        }
        if let Some(prefix) = &pool.instance_prefix {
            lines.push(format!("  instance_prefix = {}", hcl_string(prefix)));
        }
        if pool.public_ip_assignment == Some(sks_api::PublicIpAssignment::Dual) {
            lines.push("  ipv6          = true".into());
        }
        if let Some(target) = &pool.deploy_target {
            lines.push(format!(
                "  deploy_target_id = {}",
                hcl_string(&target.id.to_string())
            ));
        }
        if let Some(gc) = &pool.kubelet_image_gc {
            lines.push("  kubelet_image_gc {".into());
            if let Some(high) = gc.high_threshold {
                lines.push(format!("    high_threshold = {high}"));
            }
            if let Some(low) = gc.low_threshold {
                lines.push(format!("    low_threshold  = {low}"));
            }
            if let Some(age) = &gc.min_age {
                lines.push(format!("    min_age        = {}", hcl_string(age)));
            }
            lines.push("  }".into());
        }
        if let Some(labels) = &pool.labels {
            lines.push(format!(
                "  labels = {}",
                hcl_map(labels.iter().map(|(k, v)| (k, v.clone())))
            ));
        }
        if let Some(taints) = &pool.taints {
            lines.push(format!(
                "  taints = {}",
                hcl_map(
                    taints
                        .iter()
                        .map(|(k, t)| (k, format!("{}:{}", t.value, t.effect)))
                )
            ));
        }
        for (attribute, refs) in [
            ("security_group_ids", &pool.security_groups),
            ("private_network_ids", &pool.private_networks),
            ("anti_affinity_group_ids", &pool.anti_affinity_groups),
        ] {
            let ids = ids(refs);
            if !ids.is_empty() {
                let quoted: Vec<String> = ids.iter().map(|id| hcl_string(id)).collect();
                lines.push(format!("  {attribute} = [{}]", quoted.join(", ")));
            }
        }
        lines.push("}".to_owned());
    }
    lines.push(String::new());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wizard::form::plan;
    use crate::wizard::form::tests::{GPU, SG, choices, valid_form};

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("web-prod"), "web-prod");
        assert_eq!(shell_quote("team=ml"), "team=ml");
        assert_eq!(shell_quote("web prod"), "'web prod'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a\"b"), "'a\"b'");
    }

    #[test]
    fn hcl_strings_escape_quotes_and_templates() {
        assert_eq!(hcl_string("web"), "\"web\"");
        assert_eq!(hcl_string("say \"hi\""), r#""say \"hi\"""#);
        assert_eq!(hcl_string(r"C:\dir"), r#""C:\\dir""#);
        assert_eq!(hcl_string("${var.x} and %{if}"), "\"$${var.x} and %%{if}\"");
        assert_eq!(hcl_string("$5 and 100%"), "\"$5 and 100%\"");
        assert_eq!(hcl_string("two\nlines"), "\"two\\nlines\"");
        assert_eq!(hcl_identifier("web prod", "cluster"), "web_prod");
        assert_eq!(hcl_identifier("1st", "cluster"), "_1st");
        assert_eq!(hcl_identifier("---", "cluster"), "cluster");
    }

    #[test]
    fn the_api_calls_are_the_bodies_sent() {
        let plan = plan(&valid_form(), &choices()).unwrap();
        let calls = api_calls(&plan);
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0].title, "POST /v2/sks-cluster (zone ch-gva-2)");
        let body: serde_json::Value = serde_json::from_str(&calls[0].body).unwrap();
        assert_eq!(body, serde_json::to_value(&plan.cluster).unwrap());
        let pool: serde_json::Value = serde_json::from_str(&calls[2].body).unwrap();
        assert_eq!(pool["instance-type"]["id"], GPU);
    }

    #[test]
    fn the_cli_makes_the_same_cluster() {
        let mut form = valid_form();
        form.description = "it's ours".into();
        form.csi = true;
        let plan = plan(&form, &choices()).unwrap();
        let text = exo_commands(&plan, &choices());
        assert!(
            text.starts_with("exo compute sks create 'web prod' \\\n    --zone ch-gva-2"),
            "{text}"
        );
        for expected in [
            "--kubernetes-version 1.36.3",
            "--service-level pro",
            "--cni calico",
            r"--description 'it'\''s ours'",
            "--enable-kube-proxy=true",
            "--exoscale-csi",
            "--nodepool-size 0",
            "exo compute sks nodepool add 'web prod' gpu",
            "--instance-type gpua30.small",
            "--size 1",
            "--disk-size 100",
            "--label role=gpu",
            "--taint nvidia.com/gpu=present:NoSchedule",
        ] {
            assert!(text.contains(expected), "{expected} missing from\n{text}");
        }
        assert!(text.contains(&format!("--security-group {SG}")));
        assert!(!text.contains("--no-exoscale-ccm") && !text.contains("--no-metrics-server"));
        assert_eq!(text.matches("nodepool add").count(), 2);
    }

    #[test]
    fn terraform_makes_the_same_cluster() {
        let mut form = valid_form();
        form.name = "say \"hi\" ${x}".into();
        form.cni = String::new();
        let plan = plan(&form, &choices()).unwrap();
        let text = terraform(&plan, &choices());
        for expected in [
            "resource \"exoscale_sks_cluster\" \"say__hi____x_\" {",
            r#"  name           = "say \"hi\" $${x}""#,
            "  cni            = \"\"",
            "  exoscale_ccm   = true",
            "resource \"exoscale_sks_nodepool\" \"workers\" {",
            "  cluster_id    = exoscale_sks_cluster.say__hi____x_.id",
            "  instance_type = \"standard.medium\"",
            "  instance_type = \"gpua30.small\"",
            "    \"nvidia.com/gpu\" = \"present:NoSchedule\"",
            "    \"team\" = \"ml\"",
        ] {
            assert!(text.contains(expected), "{expected} missing from\n{text}");
        }
        assert!(text.contains(&format!("security_group_ids = [\"{SG}\"]")));
    }
}
