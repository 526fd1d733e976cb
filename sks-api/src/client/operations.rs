//! One method per operation of the contract, named after its `operationId`. Mutations validate
//! their body first (nothing is sent when it breaks a rule) and return the `operation`.

use reqwest::Method;
use uuid::Uuid;

use super::{Client, Error};
use crate::model::*;
use crate::validate::Validate;

impl Client {
    // Zones and operations.

    /// `list-zones` (public: sent unsigned, as upstream clients do).
    pub async fn list_zones(&self, zone: &ZoneName) -> Result<ListZonesResponse, Error> {
        let mut call = self.call(Method::GET, zone, "/zone".into());
        call.signed = false;
        self.json(call).await
    }

    /// `get-operation`.
    pub async fn get_operation(&self, zone: &ZoneName, id: Uuid) -> Result<Operation, Error> {
        self.json(self.call(Method::GET, zone, format!("/operation/{id}")))
            .await
    }

    // Clusters.

    /// `list-sks-clusters`.
    pub async fn list_sks_clusters(&self, zone: &ZoneName) -> Result<Vec<SksCluster>, Error> {
        let list: ListSksClustersResponse = self
            .json(self.call(Method::GET, zone, "/sks-cluster".into()))
            .await?;
        Ok(list.sks_clusters)
    }

    /// `get-sks-cluster`.
    pub async fn get_sks_cluster(&self, zone: &ZoneName, id: Uuid) -> Result<SksCluster, Error> {
        self.json(self.call(Method::GET, zone, format!("/sks-cluster/{id}")))
            .await
    }

    /// `create-sks-cluster`.
    pub async fn create_sks_cluster(
        &self,
        zone: &ZoneName,
        request: &CreateSksClusterRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call = self.call_with_body(Method::POST, zone, "/sks-cluster".into(), request)?;
        self.json(call).await
    }

    /// `update-sks-cluster`.
    pub async fn update_sks_cluster(
        &self,
        zone: &ZoneName,
        id: Uuid,
        request: &UpdateSksClusterRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call = self.call_with_body(Method::PUT, zone, format!("/sks-cluster/{id}"), request)?;
        self.json(call).await
    }

    /// `delete-sks-cluster` (refused while the cluster has nodepools).
    pub async fn delete_sks_cluster(&self, zone: &ZoneName, id: Uuid) -> Result<Operation, Error> {
        self.json(self.call(Method::DELETE, zone, format!("/sks-cluster/{id}")))
            .await
    }

    /// `reset-sks-cluster-field` (legacy upstream).
    pub async fn reset_sks_cluster_field(
        &self,
        zone: &ZoneName,
        id: Uuid,
        field: &ClusterResetField,
    ) -> Result<Operation, Error> {
        self.json(self.call(Method::DELETE, zone, format!("/sks-cluster/{id}/{field}")))
            .await
    }

    /// `upgrade-sks-cluster`.
    pub async fn upgrade_sks_cluster(
        &self,
        zone: &ZoneName,
        id: Uuid,
        request: &UpgradeSksClusterRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call = self.call_with_body(
            Method::PUT,
            zone,
            format!("/sks-cluster/{id}/upgrade"),
            request,
        )?;
        self.json(call).await
    }

    /// `upgrade-sks-cluster-service-level` (starter → pro, one way).
    pub async fn upgrade_sks_cluster_service_level(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Operation, Error> {
        self.cluster_action(zone, id, "upgrade-service-level").await
    }

    /// `rotate-sks-ccm-credentials`.
    pub async fn rotate_sks_ccm_credentials(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Operation, Error> {
        self.cluster_action(zone, id, "rotate-ccm-credentials")
            .await
    }

    /// `rotate-sks-csi-credentials`.
    pub async fn rotate_sks_csi_credentials(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Operation, Error> {
        self.cluster_action(zone, id, "rotate-csi-credentials")
            .await
    }

    /// `rotate-sks-karpenter-credentials`.
    pub async fn rotate_sks_karpenter_credentials(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Operation, Error> {
        self.cluster_action(zone, id, "rotate-karpenter-credentials")
            .await
    }

    /// `rotate-sks-operators-ca`.
    pub async fn rotate_sks_operators_ca(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Operation, Error> {
        self.cluster_action(zone, id, "rotate-operators-ca").await
    }

    /// A bodiless `PUT /sks-cluster/{id}/{action}` returning an operation.
    async fn cluster_action(
        &self,
        zone: &ZoneName,
        id: Uuid,
        action: &str,
    ) -> Result<Operation, Error> {
        self.json(self.call(Method::PUT, zone, format!("/sks-cluster/{id}/{action}")))
            .await
    }

    /// `get-sks-cluster-authority-cert`: the PEM certificate of one of the cluster's authorities.
    pub async fn get_sks_cluster_authority_cert(
        &self,
        zone: &ZoneName,
        id: Uuid,
        authority: &Authority,
    ) -> Result<AuthorityCertResponse, Error> {
        self.json(self.call(
            Method::GET,
            zone,
            format!("/sks-cluster/{id}/authority/{authority}/cert"),
        ))
        .await
    }

    /// `generate-sks-cluster-kubeconfig`.
    pub async fn generate_sks_cluster_kubeconfig(
        &self,
        zone: &ZoneName,
        id: Uuid,
        request: &SksKubeconfigRequest,
    ) -> Result<KubeconfigResponse, Error> {
        request.validate()?;
        let call = self.call_with_body(
            Method::POST,
            zone,
            format!("/sks-cluster-kubeconfig/{id}"),
            request,
        )?;
        self.json(call).await
    }

    /// `list-sks-cluster-versions`, newest first.
    pub async fn list_sks_cluster_versions(
        &self,
        zone: &ZoneName,
        include_deprecated: bool,
    ) -> Result<Vec<String>, Error> {
        let mut call = self.call(Method::GET, zone, "/sks-cluster-version".into());
        if include_deprecated {
            call.query.push(("include-deprecated", "true".into()));
        }
        let list: ListSksClusterVersionsResponse = self.json(call).await?;
        Ok(list.sks_cluster_versions)
    }

    /// `list-sks-cluster-deprecated-resources`.
    pub async fn list_sks_cluster_deprecated_resources(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Vec<SksClusterDeprecatedResource>, Error> {
        self.json(self.call(
            Method::GET,
            zone,
            format!("/sks-cluster-deprecated-resources/{id}"),
        ))
        .await
    }

    /// `get-sks-cluster-inspection`: a free-form report.
    pub async fn get_sks_cluster_inspection(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<serde_json::Value, Error> {
        self.json(self.call(Method::GET, zone, format!("/sks-cluster/{id}/inspection")))
            .await
    }

    /// `generate-sks-karpenter-nodepool`.
    pub async fn generate_sks_karpenter_nodepool(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<KarpenterNodepoolResponse, Error> {
        self.json(self.call(
            Method::PUT,
            zone,
            format!("/sks-cluster/{id}/generate-karpenter-nodepool"),
        ))
        .await
    }

    /// `generate-sks-karpenter-exoscale-nodeclass`.
    pub async fn generate_sks_karpenter_exoscale_nodeclass(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<KarpenterNodeclassResponse, Error> {
        self.json(self.call(
            Method::PUT,
            zone,
            format!("/sks-cluster/{id}/generate-karpenter-exoscale-nodeclass"),
        ))
        .await
    }

    /// `get-active-nodepool-template`.
    pub async fn get_active_nodepool_template(
        &self,
        zone: &ZoneName,
        kube_version: &str,
        variant: &TemplateVariant,
    ) -> Result<ActiveTemplateResponse, Error> {
        self.json(self.call(
            Method::GET,
            zone,
            format!("/sks-template/{kube_version}/{variant}"),
        ))
        .await
    }

    // Nodepools.

    /// `create-sks-nodepool`.
    pub async fn create_sks_nodepool(
        &self,
        zone: &ZoneName,
        cluster: Uuid,
        request: &CreateSksNodepoolRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call = self.call_with_body(
            Method::POST,
            zone,
            format!("/sks-cluster/{cluster}/nodepool"),
            request,
        )?;
        self.json(call).await
    }

    /// `get-sks-nodepool`.
    pub async fn get_sks_nodepool(
        &self,
        zone: &ZoneName,
        cluster: Uuid,
        nodepool: Uuid,
    ) -> Result<SksNodepool, Error> {
        self.json(self.call(
            Method::GET,
            zone,
            format!("/sks-cluster/{cluster}/nodepool/{nodepool}"),
        ))
        .await
    }

    /// `update-sks-nodepool`.
    pub async fn update_sks_nodepool(
        &self,
        zone: &ZoneName,
        cluster: Uuid,
        nodepool: Uuid,
        request: &UpdateSksNodepoolRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call = self.call_with_body(
            Method::PUT,
            zone,
            format!("/sks-cluster/{cluster}/nodepool/{nodepool}"),
            request,
        )?;
        self.json(call).await
    }

    /// `delete-sks-nodepool`.
    pub async fn delete_sks_nodepool(
        &self,
        zone: &ZoneName,
        cluster: Uuid,
        nodepool: Uuid,
    ) -> Result<Operation, Error> {
        self.json(self.call(
            Method::DELETE,
            zone,
            format!("/sks-cluster/{cluster}/nodepool/{nodepool}"),
        ))
        .await
    }

    /// `reset-sks-nodepool-field` (legacy upstream).
    pub async fn reset_sks_nodepool_field(
        &self,
        zone: &ZoneName,
        cluster: Uuid,
        nodepool: Uuid,
        field: &NodepoolResetField,
    ) -> Result<Operation, Error> {
        self.json(self.call(
            Method::DELETE,
            zone,
            format!("/sks-cluster/{cluster}/nodepool/{nodepool}/{field}"),
        ))
        .await
    }

    /// `scale-sks-nodepool`.
    pub async fn scale_sks_nodepool(
        &self,
        zone: &ZoneName,
        cluster: Uuid,
        nodepool: Uuid,
        size: i64,
    ) -> Result<Operation, Error> {
        let request = ScaleSksNodepoolRequest { size };
        request.validate()?;
        let call = self.call_with_body(
            Method::PUT,
            zone,
            format!("/sks-cluster/{cluster}/nodepool/{nodepool}:scale"),
            &request,
        )?;
        self.json(call).await
    }

    /// `evict-sks-nodepool-members`: removes these instances; the pool shrinks by as many.
    pub async fn evict_sks_nodepool_members(
        &self,
        zone: &ZoneName,
        cluster: Uuid,
        nodepool: Uuid,
        instances: Vec<Uuid>,
    ) -> Result<Operation, Error> {
        let request = EvictSksNodepoolMembersRequest { instances };
        request.validate()?;
        let call = self.call_with_body(
            Method::PUT,
            zone,
            format!("/sks-cluster/{cluster}/nodepool/{nodepool}:evict"),
            &request,
        )?;
        self.json(call).await
    }

    // Compute.

    /// `list-instance-types`.
    pub async fn list_instance_types(&self, zone: &ZoneName) -> Result<Vec<InstanceType>, Error> {
        let list: ListInstanceTypesResponse = self
            .json(self.call(Method::GET, zone, "/instance-type".into()))
            .await?;
        Ok(list.instance_types)
    }

    /// `get-instance-type`.
    pub async fn get_instance_type(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<InstanceType, Error> {
        self.json(self.call(Method::GET, zone, format!("/instance-type/{id}")))
            .await
    }

    /// `get-instance-pool`: the instances behind a nodepool.
    pub async fn get_instance_pool(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<InstancePool, Error> {
        self.json(self.call(Method::GET, zone, format!("/instance-pool/{id}")))
            .await
    }

    // Security groups.

    /// `list-security-groups`, optionally only the private or public ones.
    pub async fn list_security_groups(
        &self,
        zone: &ZoneName,
        visibility: Option<&Visibility>,
    ) -> Result<Vec<SecurityGroup>, Error> {
        let mut call = self.call(Method::GET, zone, "/security-group".into());
        if let Some(visibility) = visibility {
            call.query.push(("visibility", visibility.to_string()));
        }
        let list: ListSecurityGroupsResponse = self.json(call).await?;
        Ok(list.security_groups)
    }

    /// `get-security-group`.
    pub async fn get_security_group(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<SecurityGroup, Error> {
        self.json(self.call(Method::GET, zone, format!("/security-group/{id}")))
            .await
    }

    /// `create-security-group`.
    pub async fn create_security_group(
        &self,
        zone: &ZoneName,
        request: &CreateNamedRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call = self.call_with_body(Method::POST, zone, "/security-group".into(), request)?;
        self.json(call).await
    }

    /// `delete-security-group`.
    pub async fn delete_security_group(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Operation, Error> {
        self.json(self.call(Method::DELETE, zone, format!("/security-group/{id}")))
            .await
    }

    /// `add-rule-to-security-group`.
    pub async fn add_rule_to_security_group(
        &self,
        zone: &ZoneName,
        id: Uuid,
        request: &AddRuleToSecurityGroupRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call = self.call_with_body(
            Method::POST,
            zone,
            format!("/security-group/{id}/rules"),
            request,
        )?;
        self.json(call).await
    }

    /// `delete-rule-from-security-group`.
    pub async fn delete_rule_from_security_group(
        &self,
        zone: &ZoneName,
        id: Uuid,
        rule: Uuid,
    ) -> Result<Operation, Error> {
        self.json(self.call(
            Method::DELETE,
            zone,
            format!("/security-group/{id}/rules/{rule}"),
        ))
        .await
    }

    // Anti-affinity groups.

    /// `list-anti-affinity-groups`.
    pub async fn list_anti_affinity_groups(
        &self,
        zone: &ZoneName,
    ) -> Result<Vec<AntiAffinityGroup>, Error> {
        let list: ListAntiAffinityGroupsResponse = self
            .json(self.call(Method::GET, zone, "/anti-affinity-group".into()))
            .await?;
        Ok(list.anti_affinity_groups)
    }

    /// `get-anti-affinity-group`.
    pub async fn get_anti_affinity_group(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<AntiAffinityGroup, Error> {
        self.json(self.call(Method::GET, zone, format!("/anti-affinity-group/{id}")))
            .await
    }

    /// `create-anti-affinity-group`.
    pub async fn create_anti_affinity_group(
        &self,
        zone: &ZoneName,
        request: &CreateNamedRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call =
            self.call_with_body(Method::POST, zone, "/anti-affinity-group".into(), request)?;
        self.json(call).await
    }

    /// `delete-anti-affinity-group`.
    pub async fn delete_anti_affinity_group(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Operation, Error> {
        self.json(self.call(Method::DELETE, zone, format!("/anti-affinity-group/{id}")))
            .await
    }

    // Private networks.

    /// `list-private-networks`.
    pub async fn list_private_networks(
        &self,
        zone: &ZoneName,
    ) -> Result<Vec<PrivateNetwork>, Error> {
        let list: ListPrivateNetworksResponse = self
            .json(self.call(Method::GET, zone, "/private-network".into()))
            .await?;
        Ok(list.private_networks)
    }

    /// `get-private-network`.
    pub async fn get_private_network(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<PrivateNetwork, Error> {
        self.json(self.call(Method::GET, zone, format!("/private-network/{id}")))
            .await
    }

    /// `create-private-network`.
    pub async fn create_private_network(
        &self,
        zone: &ZoneName,
        request: &CreatePrivateNetworkRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call = self.call_with_body(Method::POST, zone, "/private-network".into(), request)?;
        self.json(call).await
    }

    /// `update-private-network`.
    pub async fn update_private_network(
        &self,
        zone: &ZoneName,
        id: Uuid,
        request: &UpdatePrivateNetworkRequest,
    ) -> Result<Operation, Error> {
        request.validate()?;
        let call =
            self.call_with_body(Method::PUT, zone, format!("/private-network/{id}"), request)?;
        self.json(call).await
    }

    /// `delete-private-network`.
    pub async fn delete_private_network(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<Operation, Error> {
        self.json(self.call(Method::DELETE, zone, format!("/private-network/{id}")))
            .await
    }

    // Deploy targets.

    /// `list-deploy-targets`.
    pub async fn list_deploy_targets(&self, zone: &ZoneName) -> Result<Vec<DeployTarget>, Error> {
        let list: ListDeployTargetsResponse = self
            .json(self.call(Method::GET, zone, "/deploy-target".into()))
            .await?;
        Ok(list.deploy_targets)
    }

    /// `get-deploy-target`.
    pub async fn get_deploy_target(
        &self,
        zone: &ZoneName,
        id: Uuid,
    ) -> Result<DeployTarget, Error> {
        self.json(self.call(Method::GET, zone, format!("/deploy-target/{id}")))
            .await
    }
}
