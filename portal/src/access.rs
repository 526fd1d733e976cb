//! Access to a cluster: kubeconfigs (a client certificate for a user and groups, with a
//! lifetime), the cluster's certificate authorities, and credential rotations.
//!
//! A kubeconfig holds a private key: it goes to the one who asked and nowhere else — the audit
//! log and the list of issued kubeconfigs (`issued_kubeconfigs`: user, groups, by whom, when,
//! until when) record it, never the file.

use base64::Engine as _;
use portal_types::access::{
    AuthorityCert, ClusterAccess, IssuedKubeconfig, IssuedRecord, MASTERS, ROTATIONS,
    hours_in_words, kubeconfig_file_name, parse_groups,
};
use portal_types::error::{AppError, FieldError};
use sks_api::validate::Validate;
use sks_api::{Authority, SksKubeconfigRequest};

use crate::Portal;
use crate::accounts::authz::{Action, permits};
use crate::auth::Caller;
use crate::orchestration::{
    Change, client_for, cluster_scope, conclude, upstream_failure, upstream_unavailable,
};

pub fn decode_base64(value: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// The Access tab's data: the cluster's authorities, and which rotations apply.
pub async fn view(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<ClusterAccess, AppError> {
    let role = caller.org()?.role;
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let cluster = scope.cluster().await?;
    let addons: Vec<String> = cluster
        .addons
        .unwrap_or_default()
        .iter()
        .map(|a| a.to_string())
        .collect();
    let purposes = [
        (
            Authority::ControlPlane,
            "Signs the API server's certificate: what kubectl trusts.",
        ),
        (
            Authority::Aggregation,
            "Signs the front proxy of aggregated APIs (metrics-server and other extension API servers).",
        ),
        (
            Authority::Kubelet,
            "Signs the kubelets' serving certificates on the nodes.",
        ),
    ];
    let mut authorities = Vec::new();
    for (authority, purpose) in purposes {
        let pem = match scope
            .client
            .get_sks_cluster_authority_cert(&scope.zone, scope.id, &authority)
            .await
        {
            Ok(answer) => decode_base64(&answer.cacert).unwrap_or(answer.cacert),
            Err(error) => {
                tracing::warn!(%error, %authority, "cannot fetch an authority certificate");
                String::new()
            }
        };
        authorities.push(AuthorityCert {
            authority: authority.to_string(),
            purpose: purpose.into(),
            pem,
        });
    }
    let rotations = ROTATIONS
        .iter()
        .filter(|(_, _, needs)| needs.is_none_or(|a| addons.iter().any(|x| x == a)))
        .map(|(which, label, _)| ((*which).to_owned(), (*label).to_owned()))
        .collect();
    Ok(ClusterAccess {
        role,
        name: cluster.name.unwrap_or_default(),
        state: cluster.state.map(|s| s.to_string()).unwrap_or_default(),
        endpoint: cluster.endpoint,
        authorities,
        rotations,
        may_issue: permits(role, Action::IssueKubeconfig),
        may_rotate: permits(role, Action::Upgrade),
        issued: issued(portal, caller.org_id()?, &scope).await?,
        now_ms: crate::now_ms(),
    })
}

/// Records a kubeconfig just issued (never its content). Best effort: the person already has
/// the file, so a failure to record it is logged, not returned.
async fn record_issued(
    portal: &Portal,
    caller: &Caller,
    scope: &crate::orchestration::ClusterScope,
    user: &str,
    groups: &[String],
    ttl_hours: i64,
) {
    let Ok(org) = caller.org_id() else {
        return;
    };
    let now = crate::now_ms();
    let recorded = sqlx::query(
        "INSERT INTO issued_kubeconfigs (id, org_id, zone, cluster_id, user_name, groups_list, \
         issued_by, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(org)
    .bind(scope.zone.as_str())
    .bind(scope.id.to_string())
    .bind(user)
    .bind(groups.join(","))
    .bind(format!("{} <{}>", caller.user.name, caller.user.email))
    .bind(now)
    .bind(now + ttl_hours * 3_600_000)
    .execute(portal.store.pool())
    .await;
    if let Err(error) = recorded {
        tracing::warn!(%error, cluster = %scope.id, "cannot record an issued kubeconfig");
    }
}

/// The kubeconfigs issued through the portal for the cluster, newest first (the last 200).
async fn issued(
    portal: &Portal,
    org: &str,
    scope: &crate::orchestration::ClusterScope,
) -> Result<Vec<IssuedRecord>, AppError> {
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT user_name, groups_list, issued_by, issued_at, expires_at FROM issued_kubeconfigs \
         WHERE org_id = $1 AND zone = $2 AND cluster_id = $3 ORDER BY issued_at DESC LIMIT 200",
    )
    .bind(org)
    .bind(scope.zone.as_str())
    .bind(scope.id.to_string())
    .fetch_all(portal.store.pool())
    .await
    .map_err(crate::auth::store_failure)?;
    Ok(rows
        .into_iter()
        .map(
            |(user, groups, issued_by, issued_at_ms, expires_at_ms)| IssuedRecord {
                user,
                groups: groups
                    .split(',')
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect(),
                issued_by,
                issued_at_ms,
                expires_at_ms,
            },
        )
        .collect())
}

/// Issues a kubeconfig for `user` in `groups` (commas or spaces between them), valid for
/// `ttl_hours` (no longer than `caller`'s role may issue).
pub async fn issue_kubeconfig(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    user: &str,
    groups: &str,
    ttl_hours: &str,
) -> Result<IssuedKubeconfig, AppError> {
    let role = caller.org()?.role;
    let scope = cluster_scope(portal, caller, zone, id).await?;

    let user = user.trim().to_owned();
    let groups = parse_groups(groups);
    let mut fields = Vec::new();
    let longest = role.kubeconfig_max_hours();
    let ttl_hours = match ttl_hours.trim().parse::<i64>() {
        Ok(hours) if (1..=longest).contains(&hours) => hours,
        _ => {
            fields.push(FieldError::new(
                "ttl_hours",
                format!(
                    "Choose a lifetime between 1 hour and {} (the longest {}s may issue).",
                    hours_in_words(longest),
                    role.as_str()
                ),
            ));
            0
        }
    };
    if !role.may_issue_masters() && groups.iter().any(|g| g == MASTERS) {
        fields.push(FieldError::new(
            "groups",
            format!(
                "Only admins and owners may issue kubeconfigs in {MASTERS} (full control that \
                 RBAC cannot limit); name the groups your cluster's RBAC binds instead."
            ),
        ));
    }
    let request = SksKubeconfigRequest {
        user: user.clone(),
        groups: groups.clone(),
        ttl: Some(ttl_hours.max(1) * 3600),
    };
    if let Err(invalid) = request.validate() {
        fields.extend(invalid.0.into_iter().map(|f| {
            let field = if f.field.starts_with("groups") {
                "groups".to_owned()
            } else {
                f.field
            };
            let message = if field == "user" && user.is_empty() {
                "Enter a user name: it becomes the certificate's common name (CN), the name Kubernetes RBAC sees.".to_owned()
            } else {
                f.message
            };
            FieldError::new(field, message)
        }));
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let cluster = scope.cluster().await?;
    let answer = scope
        .client
        .generate_sks_cluster_kubeconfig(&scope.zone, scope.id, &request)
        .await
        .map_err(|e| upstream_failure(e, &scope.what))?;
    let content = decode_base64(&answer.kubeconfig).ok_or_else(|| {
        AppError::Internal("the orchestration API sent a kubeconfig that is not base64".into())
    })?;
    record_issued(portal, caller, &scope, &user, &groups, ttl_hours).await;
    let detail = format!("user {user}, groups [{}], {ttl_hours} h", groups.join(", "));
    portal
        .audit(
            caller,
            "kubeconfig.issue",
            Some(&format!("{} ({detail})", scope.target())),
            "success",
            None,
        )
        .await;
    let name = cluster.name.unwrap_or_else(|| id.to_owned());
    Ok(IssuedKubeconfig {
        file_name: kubeconfig_file_name(&name, &user),
        content,
        user,
        groups,
        ttl_hours,
    })
}

/// Rotates one set of the cluster's credentials: `operators-ca`, `ccm`, `csi` or `karpenter`.
pub async fn rotate(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    which: &str,
) -> Result<(), AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let (client, z, cluster) = (&scope.client, &scope.zone, scope.id);
    let result = match which {
        "operators-ca" => client.rotate_sks_operators_ca(z, cluster).await,
        "ccm" => client.rotate_sks_ccm_credentials(z, cluster).await,
        "csi" => client.rotate_sks_csi_credentials(z, cluster).await,
        "karpenter" => client.rotate_sks_karpenter_credentials(z, cluster).await,
        _ => {
            return Err(AppError::Validation {
                fields: vec![FieldError::new(
                    "which",
                    "Choose one of: operators-ca, ccm, csi, karpenter.",
                )],
            });
        }
    };
    let change = Change {
        action: &format!("cluster.rotate-{which}"),
        target: scope.target(),
        what: scope.what.clone(),
    };
    conclude(portal, caller, &scope, change, result).await
}

/// Rotates the operators certificate authority of every cluster of `caller`'s organization,
/// after a member left: kubeconfigs cannot be revoked one by one, and this ends every one
/// issued so far. Answers how many clusters were rotated; nothing is rotated unless every zone
/// answers.
pub async fn rotate_operators_everywhere(
    portal: &Portal,
    caller: &Caller,
) -> Result<usize, AppError> {
    let org = caller.org_id()?;
    let (client, zones) = client_for(portal, org).await?;
    let (rows, failures) = crate::clusters::list_answered(&client, &zones).await?;
    if let Some(failure) = failures.first() {
        return Err(upstream_unavailable(format!(
            "zone {} did not answer, so not every cluster could be rotated; try again",
            failure.zone
        )));
    }
    let mut rotated = 0;
    for row in rows {
        let scope = cluster_scope(portal, caller, &row.zone, &row.id).await?;
        let result = scope
            .client
            .rotate_sks_operators_ca(&scope.zone, scope.id)
            .await;
        let outcome = if result.is_ok() { "success" } else { "failure" };
        portal
            .audit(
                caller,
                "cluster.rotate-operators-ca",
                Some(&scope.target()),
                outcome,
                None,
            )
            .await;
        result.map_err(|e| upstream_failure(e, &scope.what))?;
        rotated += 1;
    }
    Ok(rotated)
}
