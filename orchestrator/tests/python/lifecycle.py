"""A whole SKS lifecycle with Exoscale's official Python client, unmodified, against the local
orchestrator at $ORCHESTRATOR_URL. Run by tests/python_client.rs; exits non-zero on the first
broken expectation."""

import base64
import os
import sys

from exoscale.api.v2 import Client
from exoscale.api.exceptions import ExoscaleAPIClientException


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def step(message):
    print(f"python client: {message}", flush=True)


c = Client(
    os.environ["ORCHESTRATOR_API_KEY"],
    os.environ["ORCHESTRATOR_API_SECRET"],
    url=os.environ["ORCHESTRATOR_URL"],
)

zones = c.list_zones()["zones"]
check(len(zones) == 8, f"eight zones, got {len(zones)}")
versions = c.list_sks_cluster_versions()["sks-cluster-versions"]
all_versions = c.list_sks_cluster_versions(include_deprecated="true")["sks-cluster-versions"]
check(len(all_versions) > len(versions) >= 2, f"versions {versions} / {all_versions}")
step(f"versions {versions}")

op = c.create_sks_cluster(
    name="python-lifecycle",
    level="pro",
    version=versions[1],
    cni="calico",
    addons=["exoscale-cloud-controller", "metrics-server"],
)
done = c.wait(op["id"])
check(done["state"] == "success", f"create: {done}")
cluster_id = done["reference"]["id"]
cluster = c.get_sks_cluster(id=cluster_id)
check(cluster["state"] == "running", f"cluster state {cluster['state']}")
step(f"cluster {cluster_id} running {cluster['version']}")

types = c.list_instance_types()["instance-types"]
small = next(t for t in types if t.get("family") == "standard" and t.get("size") == "small")
op = c.create_sks_nodepool(
    id=cluster_id,
    name="workers",
    size=2,
    disk_size=50,
    instance_type={"id": small["id"]},
    labels={"role": "worker"},
    taints={"dedicated": {"value": "batch", "effect": "NoSchedule"}},
)
done = c.wait(op["id"])
nodepool_id = done["reference"]["id"]
nodepool = c.get_sks_nodepool(id=cluster_id, sks_nodepool_id=nodepool_id)
check(nodepool["state"] == "running", f"nodepool state {nodepool['state']}")
pool_id = nodepool["instance-pool"]["id"]


def members():
    return c.get_instance_pool(id=pool_id)["instances"]


check(len(members()) == 2, "two instances")
step("nodepool of 2 running")

c.wait(c.scale_sks_nodepool(id=cluster_id, sks_nodepool_id=nodepool_id, size=4)["id"])
check(len(members()) == 4, f"scaled up to 4, got {len(members())}")
c.wait(c.scale_sks_nodepool(id=cluster_id, sks_nodepool_id=nodepool_id, size=3)["id"])
check(len(members()) == 3, f"scaled down to 3, got {len(members())}")
step("scaled up to 4 and down to 3")

leaving = members()[0]["id"]
c.wait(c.evict_sks_nodepool_members(id=cluster_id, sks_nodepool_id=nodepool_id, instances=[leaving])["id"])
remaining = [m["id"] for m in members()]
check(len(remaining) == 2 and leaving not in remaining, f"evicted {leaving}: {remaining}")
step(f"evicted {leaving}")

# Day two: a second pool on the running cluster, updated, a field reset, a node evicted.
op = c.create_sks_nodepool(
    id=cluster_id,
    name="batch",
    size=2,
    disk_size=60,
    instance_type={"id": small["id"]},
    labels={"tier": "batch"},
)
batch_id = c.wait(op["id"])["reference"]["id"]
medium = next(t for t in types if t.get("family") == "standard" and t.get("size") == "medium")
c.wait(
    c.update_sks_nodepool(
        id=cluster_id,
        sks_nodepool_id=batch_id,
        description="nightly jobs",
        labels={"tier": "batch", "owner": "data"},
        instance_type={"id": medium["id"]},
    )["id"]
)
batch = c.get_sks_nodepool(id=cluster_id, sks_nodepool_id=batch_id)
check(batch["labels"] == {"tier": "batch", "owner": "data"}, f"updated labels {batch.get('labels')}")
check(batch["instance-type"]["id"] == medium["id"], f"updated type {batch['instance-type']}")
check(batch["description"] == "nightly jobs", f"updated description {batch.get('description')}")
# The pinned client's spec predates reset-sks-nodepool-field: the call goes through the client's
# own signed session, as its generated methods do.
reset = c.http_client.delete(f"{c.endpoint}/sks-cluster/{cluster_id}/nodepool/{batch_id}/labels")
check(reset.status_code == 200, f"reset labels: {reset.status_code} {reset.text}")
c.wait(reset.json()["id"])
batch = c.get_sks_nodepool(id=cluster_id, sks_nodepool_id=batch_id)
check(not batch.get("labels"), f"labels reset: {batch.get('labels')}")
batch_pool = batch["instance-pool"]["id"]
batch_members = c.get_instance_pool(id=batch_pool)["instances"]
check(len(batch_members) == 2, f"two batch instances: {batch_members}")
c.wait(
    c.evict_sks_nodepool_members(
        id=cluster_id, sks_nodepool_id=batch_id, instances=[batch_members[0]["id"]]
    )["id"]
)
left = [m["id"] for m in c.get_instance_pool(id=batch_pool)["instances"]]
check(left == [batch_members[1]["id"]], f"one batch instance left: {left}")
c.wait(c.delete_sks_nodepool(id=cluster_id, sks_nodepool_id=batch_id)["id"])
step("second pool added, updated, a field reset, a node evicted, removed")

c.wait(c.upgrade_sks_cluster(id=cluster_id, version=versions[0])["id"])
cluster = c.get_sks_cluster(id=cluster_id)
check(cluster["version"] == versions[0], f"upgraded to {versions[0]}, is {cluster['version']}")
step(f"upgraded to {versions[0]}")

kubeconfig = c.generate_sks_cluster_kubeconfig(
    id=cluster_id, user="python", groups=["system:masters"], ttl=3600
)["kubeconfig"]
with open(os.environ["KUBECONFIG_OUT"], "wb") as f:
    f.write(base64.b64decode(kubeconfig))
cacert = c.get_sks_cluster_authority_cert(id=cluster_id, authority="control-plane")["cacert"]
with open(os.environ["CACERT_OUT"], "wb") as f:
    f.write(base64.b64decode(cacert))
step("kubeconfig issued")

try:
    c.delete_sks_cluster(id=cluster_id)
    check(False, "deleting a cluster with nodepools must be refused")
except ExoscaleAPIClientException as error:
    check("409" in str(error), f"refused with 409: {error}")

c.wait(c.delete_sks_nodepool(id=cluster_id, sks_nodepool_id=nodepool_id)["id"])
c.wait(c.delete_sks_cluster(id=cluster_id)["id"])
check(c.list_sks_clusters()["sks-clusters"] == [], "no clusters left")
step("nodepool and cluster deleted")
print("python client: lifecycle complete")
