//! Rows to records and back.

use sqlx::any::AnyRow;
use sqlx::{Any, Row};
use uuid::Uuid;

use super::{StoreError, parse_json, parse_uuid, text};
use crate::model::{ClusterRecord, InstancePhase, InstanceRecord, NodepoolRecord, ResourceKind};

/// An operation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub zone: String,
    /// `pending`, `success`, `failure` or `timeout`.
    pub state: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub resource_kind: ResourceKind,
    pub resource_id: Uuid,
    /// The cluster of a nodepool operation (so the cluster's reconcile can finish it).
    pub parent_id: Option<Uuid>,
    /// The resource is done when its observed generation reaches this one.
    pub target_generation: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(super) async fn insert_operation(
    tx: &mut sqlx::Transaction<'_, Any>,
    op: &OperationRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO operations (id, org_id, zone, state, reason, message, resource_kind, resource_id, parent_id, target_generation, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(op.id.to_string())
    .bind(op.org_id.to_string())
    .bind(&op.zone)
    .bind(&op.state)
    .bind(op.reason.as_deref())
    .bind(op.message.as_deref())
    .bind(op.resource_kind.as_str())
    .bind(op.resource_id.to_string())
    .bind(op.parent_id.map(|id| id.to_string()))
    .bind(op.target_generation)
    .bind(op.created_at)
    .bind(op.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) fn operation(row: &AnyRow) -> Result<OperationRecord, StoreError> {
    let parent: Option<String> = row.try_get("parent_id")?;
    Ok(OperationRecord {
        id: parse_uuid(&text(row, "id")?)?,
        org_id: parse_uuid(&text(row, "org_id")?)?,
        zone: text(row, "zone")?,
        state: text(row, "state")?,
        reason: row.try_get("reason")?,
        message: row.try_get("message")?,
        resource_kind: ResourceKind::parse(&text(row, "resource_kind")?),
        resource_id: parse_uuid(&text(row, "resource_id")?)?,
        parent_id: parent.as_deref().map(parse_uuid).transpose()?,
        target_generation: row.try_get("target_generation")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) fn cluster(row: &AnyRow) -> Result<ClusterRecord, StoreError> {
    Ok(ClusterRecord {
        id: parse_uuid(&text(row, "id")?)?,
        org_id: parse_uuid(&text(row, "org_id")?)?,
        zone: text(row, "zone")?,
        spec: parse_json(&text(row, "spec")?, "cluster spec")?,
        generation: row.try_get("generation")?,
        status: parse_json(&text(row, "status")?, "cluster status")?,
        observed_generation: row.try_get("observed_generation")?,
        revision: row.try_get("revision")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn nodepool(row: &AnyRow) -> Result<NodepoolRecord, StoreError> {
    Ok(NodepoolRecord {
        id: parse_uuid(&text(row, "id")?)?,
        cluster_id: parse_uuid(&text(row, "cluster_id")?)?,
        org_id: parse_uuid(&text(row, "org_id")?)?,
        zone: text(row, "zone")?,
        instance_pool_id: parse_uuid(&text(row, "instance_pool_id")?)?,
        spec: parse_json(&text(row, "spec")?, "nodepool spec")?,
        generation: row.try_get("generation")?,
        status: parse_json(&text(row, "status")?, "nodepool status")?,
        observed_generation: row.try_get("observed_generation")?,
        revision: row.try_get("revision")?,
        next_index: row.try_get("next_index")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn instance(row: &AnyRow) -> Result<InstanceRecord, StoreError> {
    let state = text(row, "state")?;
    let fails: i64 = row.try_get("fails")?;
    Ok(InstanceRecord {
        id: parse_uuid(&text(row, "id")?)?,
        nodepool_id: parse_uuid(&text(row, "nodepool_id")?)?,
        name: text(row, "name")?,
        phase: InstancePhase::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("instance state {state:?}")))?,
        public_ip: text(row, "public_ip")?,
        version: text(row, "version")?,
        fails: fails != 0,
        due_at: row.try_get("due_at")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn resource(row: &AnyRow) -> Result<(Uuid, serde_json::Value), StoreError> {
    Ok((
        parse_uuid(&text(row, "id")?)?,
        parse_json(&text(row, "body")?, "resource body")?,
    ))
}
