//! The Settings tab: name, description, labels, auto-upgrade and late add-ons; the service
//! level; links to the upgrade and delete flows.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{ClusterHeader, FieldMessage, cluster_key};
use crate::clusters::{ClusterSettings, LATE_ADDONS};
use crate::components::forms::{ErrorSummary, field_error};
use crate::components::page::Loaded;
use crate::components::style::{BUTTON, CARD, DANGER_BUTTON, INPUT, QUIET_BUTTON};
use crate::server_fns::cluster_changes::{
    SetDeletionProtection, UpdateCluster, UpgradeServiceLevel, get_cluster_settings,
};

/// `/clusters/{zone}/{id}/settings`.
#[component]
pub fn ClusterSettingsPage() -> impl IntoView {
    let key = cluster_key();
    let update = ServerAction::<UpdateCluster>::new();
    let level = ServerAction::<UpgradeServiceLevel>::new();
    let protect = ServerAction::<SetDeletionProtection>::new();
    let settings = Resource::new(
        move || {
            (
                key(),
                update.version().get(),
                level.version().get(),
                protect.version().get(),
            )
        },
        |((zone, id), _, _, _)| get_cluster_settings(zone, id),
    );
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let (zone, id) = key();
                settings.await.map(|settings| view! { <Settings zone id settings update level protect/> })
            })}
        </Loaded>
    }
}

#[component]
fn Settings(
    zone: String,
    id: String,
    settings: ClusterSettings,
    update: ServerAction<UpdateCluster>,
    level: ServerAction<UpgradeServiceLevel>,
    protect: ServerAction<SetDeletionProtection>,
) -> impl IntoView {
    let query = use_query_map();
    let title = format!("Settings · {} · Capstan", settings.name);
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let field = move |name: &'static str| Signal::derive(move || field_error(error.get(), name));
    let saved = move || {
        update.value().get().is_some_and(|r| r.is_ok()) || query.read().get("saved").is_some()
    };
    let addons = settings.addons.clone();
    let has = move |addon: &str| addons.iter().any(|a| a == addon);
    let fixed: Vec<&str> = ["exoscale-cloud-controller", "metrics-server"]
        .into_iter()
        .filter(|a| has(a))
        .collect();
    let base = format!("/clusters/{zone}/{id}");
    let editable = settings.may_change;
    let (form_zone, form_id) = (zone.clone(), id.clone());
    let (protect_zone, protect_id) = (zone.clone(), id.clone());
    view! {
        <Title text=title/>
        <ClusterHeader zone=zone.clone() id=id.clone() name=settings.name.clone() state=settings.state.clone() current="Settings"/>
        <div class="grid gap-6 lg:grid-cols-2">
            <section aria-labelledby="general-title" class=format!("{CARD} lg:row-span-2")>
                <h2 id="general-title" class="text-base font-semibold">"General"</h2>
                {(!editable).then(|| view! { <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Admins and owners can change these settings."</p> })}
                <ActionForm action=update attr:class="mt-4 space-y-3" attr:aria-label="Cluster settings">
                    <input type="hidden" name="zone" value=form_zone/>
                    <input type="hidden" name="id" value=form_id/>
                    <ErrorSummary error/>
                    {move || saved().then(|| view! { <p role="status" class="text-sm text-emerald-700 dark:text-emerald-400">"Saved."</p> })}
                    <fieldset disabled=!editable class="space-y-3">
                        <div>
                            <label for="cs-name" class="block text-sm font-medium">"Name"</label>
                            <input id="cs-name" name="name" value=settings.name.clone() required maxlength="255" class=INPUT aria-describedby="cs-name-error" aria-invalid=move || field("name").get().is_some().to_string()/>
                            <FieldMessage id="cs-name-error".into() message=field("name")/>
                        </div>
                        <div>
                            <label for="cs-description" class="block text-sm font-medium">"Description"</label>
                            <input id="cs-description" name="description" value=settings.description.clone() maxlength="255" class=INPUT aria-describedby="cs-description-error"/>
                            <FieldMessage id="cs-description-error".into() message=field("description")/>
                        </div>
                        <div>
                            <label for="cs-labels" class="block text-sm font-medium">"Labels"</label>
                            <textarea id="cs-labels" name="labels" rows="4" class=format!("{INPUT} font-mono") aria-describedby="cs-labels-help cs-labels-error" aria-invalid=move || field("labels").get().is_some().to_string()>{settings.labels.clone()}</textarea>
                            <p id="cs-labels-help" class="text-xs text-slate-500 dark:text-slate-400">"One key=value per line, as Kubernetes labels (e.g. team=web)."</p>
                            <FieldMessage id="cs-labels-error".into() message=field("labels")/>
                        </div>
                        <label class="flex items-start gap-2 text-sm">
                            <input type="checkbox" name="auto_upgrade" value="on" checked=settings.auto_upgrade class="mt-1"/>
                            <span>"Auto-upgrade: the service applies new patch releases of this minor version by itself."</span>
                        </label>
                        <fieldset class="space-y-2">
                            <legend class="text-sm font-medium">"Add-ons"</legend>
                            {(!fixed.is_empty()).then(|| view! {
                                <p class="text-xs text-slate-500 dark:text-slate-400">{format!("Chosen at creation and kept: {}.", fixed.join(", "))}</p>
                            })}
                            {LATE_ADDONS.iter().map(|(addon, label, needs)| view! {
                                <label class="flex items-start gap-2 text-sm">
                                    <input type="checkbox" name="addons[]" value=*addon checked=has(addon) class="mt-1" aria-describedby="cs-addons-error"/>
                                    <span>{*label}<span class="block text-xs text-slate-500 dark:text-slate-400">{format!("It {needs}.")}</span></span>
                                </label>
                            }).collect_view()}
                            <FieldMessage id="cs-addons-error".into() message=field("addons")/>
                        </fieldset>
                        <button type="submit" class=BUTTON disabled=move || update.pending().get()>"Save changes"</button>
                    </fieldset>
                </ActionForm>
            </section>
            <section aria-labelledby="level-title" class=CARD>
                <h2 id="level-title" class="text-base font-semibold">"Service level and version"</h2>
                <p class="mt-1 text-sm">{format!("This cluster is on the {} level.", settings.level)}</p>
                {(settings.level == "starter" && settings.may_upgrade).then(|| {
                    let error = Signal::derive(move || level.value().get().and_then(Result::err));
                    view! {
                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Pro adds a highly available control plane with an SLA, and Karpenter. There is no way back to starter."</p>
                        <ActionForm action=level attr:class="mt-3">
                            <input type="hidden" name="zone" value=zone.clone()/>
                            <input type="hidden" name="id" value=id.clone()/>
                            <ErrorSummary error/>
                            <button type="submit" class=QUIET_BUTTON>"Move to pro"</button>
                        </ActionForm>
                    }
                })}
                <p class="mt-4"><a href=format!("{base}/upgrade") class=QUIET_BUTTON>"Upgrade Kubernetes version…"</a></p>
            </section>
            <section aria-labelledby="danger-title" class="rounded-lg border border-red-200 bg-white p-6 dark:border-red-900 dark:bg-slate-900">
                <h2 id="danger-title" class="text-base font-semibold text-red-700 dark:text-red-400">"Delete this cluster"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    {format!("Removes the control plane and, first, its {} nodepool(s). This cannot be undone.", settings.nodepools.len())}
                </p>
                {match (&settings.protected_by, settings.may_delete) {
                    (Some(_), _) => view! { <p class="mt-3 text-sm">"Deletion protection is on: turn it off below to delete the cluster."</p> }.into_any(),
                    (None, true) => view! { <p class="mt-3"><a href=format!("{base}/delete") class=DANGER_BUTTON>"Delete cluster…"</a></p> }.into_any(),
                    (None, false) => view! { <p class="mt-3 text-sm">"Admins and owners can delete clusters."</p> }.into_any(),
                }}
                <h3 id="protection-title" class="mt-6 text-sm font-semibold">"Deletion protection"</h3>
                <p class="mt-1 text-sm" data-testid="protection-state">
                    {match &settings.protected_by {
                        Some(by) => format!("On, set by {by}: nobody can delete this cluster until an admin or owner turns it off."),
                        None => "Off: admins and owners can delete this cluster.".to_owned(),
                    }}
                </p>
                {settings.may_delete.then(|| {
                    let error = Signal::derive(move || protect.value().get().and_then(Result::err));
                    let on = settings.protected_by.is_none();
                    view! {
                        <ActionForm action=protect attr:class="mt-2" attr:aria-labelledby="protection-title">
                            <input type="hidden" name="zone" value=protect_zone.clone()/>
                            <input type="hidden" name="id" value=protect_id.clone()/>
                            <input type="hidden" name="on" value=on.to_string()/>
                            <ErrorSummary error/>
                            <button type="submit" class=QUIET_BUTTON>{if on { "Turn deletion protection on" } else { "Turn deletion protection off" }}</button>
                        </ActionForm>
                    }
                })}
            </section>
        </div>
    }
}
