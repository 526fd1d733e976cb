//! Scaling a nodepool: the new size; when scaling down, which nodes leave (or the service
//! chooses). Removing it is a page of its own (`nodepool_delete`).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::{ClusterHeader, FieldMessage};
use crate::components::forms::{ErrorSummary, field_error};
use crate::components::page::Loaded;
use crate::components::status_badge::StatusBadge;
use crate::components::style::{BUTTON, CARD, INPUT, QUIET_BUTTON};
use crate::nodepools::{MAX_SIZE, NodepoolScaleInfo};
use crate::server_fns::nodepool_changes::{ScaleNodepool, get_nodepool_scale_info};

/// `/clusters/{zone}/{id}/nodepools/{nodepool}/scale`.
#[component]
pub fn NodepoolScalePage() -> impl IntoView {
    let key = super::nodepool_key();
    let info = Resource::new(key, |(zone, id, nodepool)| {
        get_nodepool_scale_info(zone, id, nodepool)
    });
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let (zone, id, nodepool) = key();
                info.await.map(|info| view! { <Scale zone id nodepool info/> })
            })}
        </Loaded>
    }
}

#[component]
fn Scale(zone: String, id: String, nodepool: String, info: NodepoolScaleInfo) -> impl IntoView {
    let scale = ServerAction::<ScaleNodepool>::new();
    let error = Signal::derive(move || scale.value().get().and_then(Result::err));
    let field = move |name: &'static str| Signal::derive(move || field_error(error.get(), name));
    let back = format!("/clusters/{zone}/{id}");
    let navigate = use_navigate();
    {
        let back = back.clone();
        Effect::new(move |_| {
            let done = scale.value().get().is_some_and(|r| r.is_ok());
            if done {
                navigate(&back, Default::default());
            }
        });
    }
    let current = info.size;
    let size = RwSignal::new(current.to_string());
    let chosen = RwSignal::new(0usize);
    let change = move || {
        size.get()
            .trim()
            .parse::<i64>()
            .ok()
            .map(|new| new - current)
    };
    let summary = move || match change() {
        Some(0) => format!("No change: the pool has {current} nodes."),
        Some(d) if d > 0 => format!("Adds {d} node(s): {current} → {}.", current + d),
        Some(d) => {
            let leaving = -d;
            let who = match chosen.get() {
                0 => "the service chooses which".to_owned(),
                n if n as i64 == leaving => "the ones you chose".to_owned(),
                n => format!("choose {leaving} (now {n})"),
            };
            format!(
                "Removes {leaving} node(s): {current} → {}; {who}.",
                current + d
            )
        }
        None => format!("Enter a whole number from 0 to {MAX_SIZE}."),
    };
    let (instance_type, disk) = (info.instance_type.clone(), info.disk_size);
    let cost = move || {
        let new = current + change()?;
        let monthly = |n| crate::pricing::instances_monthly(&instance_type, n, disk);
        let difference = monthly(new)? - monthly(current)?;
        let sign = if difference >= 0.0 { "+" } else { "−" };
        Some(format!(
            "{sign}{} per month, {} in all (estimate from list prices as of {})",
            crate::pricing::format_eur(difference.abs()),
            crate::pricing::format_eur(monthly(new)?),
            crate::pricing::PRICES_AS_OF
        ))
    };
    let title = format!("Scale {} · Capstan", info.nodepool_name);
    view! {
        <Title text=title/>
        <ClusterHeader zone=zone.clone() id=id.clone() name=info.cluster_name.clone() state=String::new() current="Scale"/>
        <section aria-labelledby="scale-title" class=format!("{CARD} max-w-2xl")>
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="scale-title" class="text-base font-semibold">{format!("Scale nodepool {}", info.nodepool_name)}</h2>
                <StatusBadge state=info.state.clone()/>
            </div>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{format!("{current} node(s) of {}.", info.instance_type)}</p>
            {if info.may_scale {
                let (zone, id, nodepool) = (zone.clone(), id.clone(), nodepool.clone());
                view! {
                    <ActionForm action=scale attr:class="mt-4 space-y-4" attr:aria-label="Scale the nodepool">
                        <input type="hidden" name="zone" value=zone.clone()/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <input type="hidden" name="nodepool" value=nodepool.clone()/>
                        <ErrorSummary error/>
                        <div>
                            <label for="sc-size" class="block text-sm font-medium">"New size (nodes)"</label>
                            <input id="sc-size" name="size" type="number" min="0" max=MAX_SIZE.to_string() required
                                value=current.to_string() class=format!("{INPUT} max-w-32")
                                aria-describedby="sc-size-summary sc-size-error"
                                aria-invalid=move || field("size").get().is_some().to_string()
                                on:input=move |ev| size.set(event_target_value(&ev))/>
                            <p id="sc-size-summary" role="status" class="mt-1 text-sm">{summary}</p>
                            <p data-testid="scale-cost" class="text-sm text-slate-600 dark:text-slate-400">{cost}</p>
                            <FieldMessage id="sc-size-error".into() message=field("size")/>
                        </div>
                        <fieldset aria-describedby="sc-evict-help sc-evict-error">
                            <legend class="text-sm font-medium">"When scaling down: nodes to remove"</legend>
                            <p id="sc-evict-help" class="text-xs text-slate-500 dark:text-slate-400">"Tick exactly as many as the size drops, or none to let the service choose. Their pods are drained and rescheduled first."</p>
                            <ul class="mt-2 space-y-1">
                                {info.instances.iter().map(|i| view! {
                                    <li>
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="checkbox" name="evict[]" value=i.id.clone()
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    chosen.update(|n| if on { *n += 1 } else { *n = n.saturating_sub(1) });
                                                }/>
                                            <span class="font-mono text-xs">{i.name.clone()}</span>
                                            <StatusBadge state=i.state.clone()/>
                                        </label>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <FieldMessage id="sc-evict-error".into() message=field("evict")/>
                        </fieldset>
                        <div class="flex gap-2">
                            <button type="submit" class=BUTTON disabled=move || scale.pending().get()>
                                {move || if scale.pending().get() { "Scaling…" } else { "Scale" }}
                            </button>
                            <a href=back.clone() class=QUIET_BUTTON>"Cancel"</a>
                        </div>
                    </ActionForm>
                }.into_any()
            } else {
                view! { <p class="mt-4 text-sm">"Operators, admins and owners can scale nodepools."</p> }.into_any()
            }}
        </section>
        {info.may_delete.then(|| view! {
            <p class="mt-6 max-w-2xl text-sm">
                <a href=format!("/clusters/{zone}/{id}/nodepools/{nodepool}/delete") class="text-red-700 underline underline-offset-2 hover:decoration-2 dark:text-red-400">
                    {format!("Remove nodepool {}…", info.nodepool_name)}
                </a>
            </p>
        })}
    }
}
