//! `/clusters/{zone}/{id}/nodepools/{nodepool}/edit`: changing a nodepool — everything the
//! wizard's nodepool step has except its size (scaling changes that). The changes are shown
//! before saving, each saying whether it waits for new nodes (running nodes keep the template
//! they were made from), with the way to apply them to every node. Checked by the same
//! `plan_edit` in the browser and on the server; without JavaScript it is a plain form, and a
//! refusal comes back in the address with what was typed.

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::ClusterHeader;
use super::new::{NodepoolFields, Summary, Wizard, form_from_query};
use crate::components::page::Loaded;
use crate::components::style::{CARD, HINT, LARGE_BUTTON, LARGE_QUIET_BUTTON};
use crate::error::AppError;
use crate::nodepools::{NodepoolEditOptions, plan_edit};
use crate::server_fns::nodepool_changes::{EditNodepool, get_nodepool_edit_options};
use crate::wizard::{NodepoolForm, WizardChoices};

#[component]
pub fn NodepoolEditPage() -> impl IntoView {
    let key = super::nodepool_key();
    let location = use_location();
    let sent_back = form_from_query(&location.search.get_untracked());
    let from_address = sent_back.is_some();
    let action = ServerAction::<EditNodepool>::new();
    let wizard = Wizard {
        form: RwSignal::new(sent_back.unwrap_or_default()),
        local: RwSignal::new(None),
        refusal: Signal::derive(move || action.value().get().and_then(Result::err)),
        step: RwSignal::new(0),
        stepped: RwSignal::new(false),
        summary: NodeRef::new(),
    };
    Effect::new(move |_| wizard.stepped.set(true));
    Effect::new(move |_| {
        if let Some(Err(AppError::Validation { fields })) = action.value().get() {
            wizard.show(fields);
        }
    });
    let options = Resource::new(key, |(zone, id, nodepool)| {
        get_nodepool_edit_options(zone, id, nodepool)
    });
    view! {
        <Loaded loading="Loading the nodepool…">
            {move || Suspend::new(async move {
                let (zone, id, nodepool) = key();
                options.await.map(|options| {
                    if !from_address {
                        let current = options.current.clone();
                        wizard.form.update_untracked(|f| f.nodepools = vec![current]);
                    }
                    view! { <EditForm zone id nodepool options wizard action/> }
                })
            })}
        </Loaded>
    }
}

#[component]
fn EditForm(
    zone: String,
    id: String,
    nodepool: String,
    options: NodepoolEditOptions,
    wizard: Wizard,
    action: ServerAction<EditNodepool>,
) -> impl IntoView {
    let NodepoolEditOptions {
        cluster_name,
        state,
        nodepool_name,
        current,
        other_names,
        choices,
    } = options;
    let title = format!("Edit {nodepool_name} · {cluster_name} · Capstan");
    let tab = format!("/clusters/{zone}/{id}/nodepools");
    let recycle = format!("{tab}/{nodepool}/recycle");
    let current = StoredValue::new(current);
    let others = StoredValue::new(other_names);
    let choices = StoredValue::new(choices);
    let (submit_zone, submit_id, submit_pool) = (zone.clone(), id.clone(), nodepool.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = wizard.form.get_untracked();
        let checked = current.with_value(|c| {
            choices.with_value(|ch| others.with_value(|o| plan_edit(c, &form, ch, o)))
        });
        match checked {
            Err(errors) => wizard.show(errors),
            Ok(_) => {
                wizard.local.set(None);
                action.dispatch(EditNodepool {
                    zone: submit_zone.clone(),
                    id: submit_id.clone(),
                    nodepool: submit_pool.clone(),
                    form,
                });
            }
        }
    };
    let pending = action.pending();
    let (form_zone, form_id, form_pool) = (zone.clone(), id.clone(), nodepool.clone());
    view! {
        <Title text=title/>
        <ClusterHeader zone id name=cluster_name state current="Edit nodepool"/>
        <form method="post" action=EditNodepool::PATH novalidate=true class="max-w-3xl space-y-6" on:submit=on_submit>
            <input type="hidden" name="zone" value=form_zone/>
            <input type="hidden" name="id" value=form_id/>
            <input type="hidden" name="nodepool" value=form_pool/>
            <Summary wizard single_pool=true/>
            <NodepoolFields wizard choices index=0 title="Nodepool" without_size=true/>
            <Changes wizard current choices others recycle/>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=LARGE_BUTTON disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save changes" }}
                </button>
                <a href=tab class=LARGE_QUIET_BUTTON>"Cancel"</a>
            </div>
        </form>
    }
}

/// The changes the form makes, before they are saved, as they are typed.
#[component]
fn Changes(
    wizard: Wizard,
    current: StoredValue<NodepoolForm>,
    choices: StoredValue<WizardChoices>,
    others: StoredValue<Vec<String>>,
    recycle: String,
) -> impl IntoView {
    let rendered = move || {
        let form = wizard.form.get();
        let plan = current.with_value(|c| {
            choices.with_value(|ch| others.with_value(|o| plan_edit(c, &form, ch, o)))
        });
        match plan {
            Err(errors) if errors.iter().all(|e| e.field == "request") => view! {
                <p class="text-sm text-slate-600 dark:text-slate-400">"No changes yet."</p>
            }
            .into_any(),
            Err(_) => view! {
                <p class="text-sm text-slate-600 dark:text-slate-400">"Some fields need attention before the changes can be shown."</p>
            }
            .into_any(),
            Ok(plan) => {
                let later = plan.changes.iter().any(|c| c.new_nodes_only);
                let recycle = recycle.clone();
                view! {
                    <table class="w-full text-sm">
                        <caption class="sr-only">"Changes to save"</caption>
                        <thead class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                            <tr><th scope="col" class="py-1 pr-3">"Setting"</th><th scope="col" class="py-1 pr-3">"Now"</th><th scope="col" class="py-1 pr-3">"After saving"</th><th scope="col" class="py-1">"Applies to"</th></tr>
                        </thead>
                        <tbody>
                            {plan.changes.into_iter().map(|c| view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800">
                                    <th scope="row" class="py-1 pr-3 text-left font-medium">{c.label}</th>
                                    <td class="py-1 pr-3 break-all"><del>{c.before}</del></td>
                                    <td class="py-1 pr-3 break-all"><ins class="no-underline">{c.after}</ins></td>
                                    <td class="py-1">{if c.new_nodes_only { "new nodes" } else { "at once" }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {later.then(|| view! {
                        <p class=HINT>
                            "Changes that apply to new nodes reach the nodes created from now on; running nodes keep what they were made with. To give every node the new settings, save, then "
                            <a href=recycle class="underline">"recycle the pool"</a>
                            ": its nodes are replaced a few at a time, without dropping below its size."
                        </p>
                    })}
                }
                .into_any()
            }
        }
    };
    view! {
        <section aria-labelledby="changes-title" aria-live="polite" class=CARD>
            <h2 id="changes-title" class="mb-2 text-base font-semibold">"Changes"</h2>
            {rendered}
        </section>
    }
}
