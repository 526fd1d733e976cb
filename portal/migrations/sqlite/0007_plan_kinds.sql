-- Recycles run on the upgrade plans' engine: a plan is an upgrade (the control plane, then
-- every nodepool cycled) or a recycle (one nodepool's nodes, or one node, replaced at its
-- version). The unique index on running plans now keeps an upgrade and a recycle of a cluster
-- apart as well.

ALTER TABLE upgrade_plans ADD COLUMN kind TEXT NOT NULL DEFAULT 'upgrade';
