//! `/clusters/{zone}/{id}/nodepools/new`: adding a nodepool to a running cluster. It is the
//! wizard's nodepool step on its own — the same fields, checked by the same function in the
//! browser and on the server (`plan_nodepool`, which also keeps the name apart from the
//! cluster's pools) — with what the pool adds to the monthly bill and the same request as an
//! API body and an `exo` command beside it. Without JavaScript it is a plain form; a refusal
//! comes back in the address with what was typed.

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::new::{NodepoolFields, Summary, Wizard, form_from_query};
use super::{ClusterHeader, cluster_key};
use crate::components::page::Loaded;
use crate::components::style::{CARD, HINT, LARGE_BUTTON, LARGE_QUIET_BUTTON};
use crate::error::AppError;
use crate::nodepools::NewNodepoolOptions;
use crate::pricing::{PRICES_AS_OF, format_eur, instances_monthly};
use crate::server_fns::nodepool_changes::{AddNodepool, get_new_nodepool_options};
use crate::wizard::form::plan_nodepool;
use crate::wizard::render::{exo_nodepool_add, pretty};
use crate::wizard::{ClusterForm, WizardChoices};

const CODE: &str = "mt-1 overflow-x-auto rounded bg-slate-100 p-3 text-xs dark:bg-slate-800";

#[component]
pub fn NodepoolNewPage() -> impl IntoView {
    let key = cluster_key();
    let location = use_location();
    let initial = form_from_query(&location.search.get_untracked());
    let action = ServerAction::<AddNodepool>::new();
    let wizard = Wizard {
        form: RwSignal::new(initial.unwrap_or_default()),
        local: RwSignal::new(None),
        refusal: Signal::derive(move || action.value().get().and_then(Result::err)),
        step: RwSignal::new(0),
        stepped: RwSignal::new(false),
        summary: NodeRef::new(),
    };
    // Once hydrated, the page shows its own checks, and the server's refusal moved there.
    Effect::new(move |_| wizard.stepped.set(true));
    Effect::new(move |_| {
        if let Some(Err(AppError::Validation { fields })) = action.value().get() {
            wizard.show(fields);
        }
    });
    let options = Resource::new(key, |(zone, id)| get_new_nodepool_options(zone, id));
    view! {
        <Loaded loading="Loading what you can choose from…">
            {move || Suspend::new(async move {
                let (zone, id) = key();
                options.await.map(|options| {
                    wizard.form.update_untracked(|f| f.fill_defaults(&options.choices));
                    view! { <AddForm zone id options wizard action/> }
                })
            })}
        </Loaded>
    }
}

#[component]
fn AddForm(
    zone: String,
    id: String,
    options: NewNodepoolOptions,
    wizard: Wizard,
    action: ServerAction<AddNodepool>,
) -> impl IntoView {
    let NewNodepoolOptions {
        cluster_name,
        state,
        level: _,
        version,
        existing,
        choices,
    } = options;
    let title = format!("Add a nodepool · {cluster_name} · Capstan");
    let back = format!("/clusters/{zone}/{id}/nodepools");
    let existing = StoredValue::new(existing);
    let choices = StoredValue::new(choices);
    let (submit_zone, submit_id) = (zone.clone(), id.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = wizard.form.get_untracked();
        let checked = choices.with_value(|c| existing.with_value(|e| plan_nodepool(&form, c, e)));
        match checked {
            Err(errors) => wizard.show(errors),
            Ok(_) => {
                wizard.local.set(None);
                action.dispatch(AddNodepool {
                    zone: submit_zone.clone(),
                    id: submit_id.clone(),
                    form,
                });
            }
        }
    };
    let pending = action.pending();
    let taken = existing.with_value(|names| {
        if names.is_empty() {
            "The cluster has no nodepool yet.".to_owned()
        } else {
            format!("Its nodepools: {}.", names.join(", "))
        }
    });
    let (form_zone, form_id) = (zone.clone(), id.clone());
    let cluster_for_cli = cluster_name.clone();
    view! {
        <Title text=title/>
        <ClusterHeader zone id name=cluster_name state current="Add a nodepool"/>
        <p class="mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            {format!("The new nodes join the running cluster and run Kubernetes {version}, as its other nodes do. {taken}")}
        </p>
        <form method="post" action=AddNodepool::PATH novalidate=true class="max-w-3xl space-y-6" on:submit=on_submit>
            <input type="hidden" name="zone" value=form_zone/>
            <input type="hidden" name="id" value=form_id/>
            <input type="hidden" name="form[token]" value=wizard.form.with_untracked(|f| f.token.clone())/>
            <Summary wizard single_pool=true/>
            <NodepoolFields wizard choices index=0 title="New nodepool"/>
            <WhatItAdds wizard choices existing cluster=cluster_for_cli/>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=LARGE_BUTTON disabled=move || pending.get()>
                    {move || if pending.get() { "Adding…" } else { "Add nodepool" }}
                </button>
                <a href=back class=LARGE_QUIET_BUTTON>"Cancel"</a>
            </div>
        </form>
    }
}

/// What the pool adds to the monthly bill, and the request that adds it, as an API body and an
/// `exo` command; follows the fields as they are typed.
#[component]
fn WhatItAdds(
    wizard: Wizard,
    choices: StoredValue<WizardChoices>,
    existing: StoredValue<Vec<String>>,
    cluster: String,
) -> impl IntoView {
    let rendered = move || {
        let form: ClusterForm = wizard.form.get();
        choices.with_value(|c| {
            let request = existing.with_value(|e| plan_nodepool(&form, c, e));
            let Ok(request) = request else {
                return view! {
                    <p class="text-sm text-slate-600 dark:text-slate-400">"Fill in the fields to see what the pool costs and the request that adds it."</p>
                }
                .into_any();
            };
            let kind = c
                .instance_type_name(&request.instance_type.id.to_string())
                .unwrap_or_default()
                .to_owned();
            let cost = match instances_monthly(&kind, request.size, request.disk_size) {
                Some(monthly) => format!("+{} per month", format_eur(monthly)),
                None => format!("{kind} is not in the price table"),
            };
            let body = pretty(&request);
            let cli = exo_nodepool_add(&cluster, &c.zone, &request, c);
            view! {
                <p class="text-sm">
                    "Adds "
                    <strong data-testid="pool-cost">{cost}</strong>
                    {format!(" ({} × {kind}, {} GiB disk each).", request.size, request.disk_size)}
                </p>
                <p class=HINT>{format!("An estimate from list prices as of {PRICES_AS_OF}, 730 hours a month, before taxes.")}</p>
                <h3 class="mt-4 text-sm font-semibold">"API request"</h3>
                <p class="mt-1 font-mono text-xs">"POST /v2/sks-cluster/{cluster-id}/nodepool"</p>
                <pre class=CODE><code>{body}</code></pre>
                <h3 class="mt-4 text-sm font-semibold">"exo CLI"</h3>
                <pre class=CODE><code>{cli}</code></pre>
            }
            .into_any()
        })
    };
    view! {
        <section aria-labelledby="adds-title" class=CARD>
            <h2 id="adds-title" class="mb-2 text-base font-semibold">"What it adds"</h2>
            {rendered}
        </section>
    }
}
