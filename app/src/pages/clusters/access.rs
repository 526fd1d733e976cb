//! The Access tab: issue a kubeconfig (user, groups, lifetime → download), the cluster's
//! certificate authorities, and credential rotations.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{ClusterHeader, FieldMessage, cluster_key};
use crate::access::{
    AuthorityCert, ClusterAccess, IssuedKubeconfig, IssuedRecord, MASTERS, TTL_CHOICES, Validity,
};
use crate::components::forms::{ErrorSummary, field_error};
use crate::components::page::Loaded;
use crate::components::style::{BUTTON, CARD, INPUT, QUIET_BUTTON};
use crate::server_fns::cluster_access::{IssueKubeconfig, RotateCredentials, get_cluster_access};

/// A `data:` address holding `text`, for a download link that needs no server round trip.
fn data_url(text: &str) -> String {
    format!(
        "data:application/yaml;charset=utf-8,{}",
        crate::url::encode(text)
    )
}

/// `/clusters/{zone}/{id}/access`.
#[component]
pub fn ClusterAccessPage() -> impl IntoView {
    let key = cluster_key();
    // Issuing lives here so that the list of issued kubeconfigs is read again after each.
    let issue = ServerAction::<IssueKubeconfig>::new();
    let access = Resource::new(
        move || (key(), issue.version().get()),
        |((zone, id), _)| get_cluster_access(zone, id),
    );
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let (zone, id) = key();
                access.await.map(|access| view! { <Access zone id access issue/> })
            })}
        </Loaded>
    }
}

#[component]
fn Access(
    zone: String,
    id: String,
    access: ClusterAccess,
    issue: ServerAction<IssueKubeconfig>,
) -> impl IntoView {
    let title = format!("Access · {} · Capstan", access.name);
    view! {
        <Title text=title/>
        <ClusterHeader zone=zone.clone() id=id.clone() name=access.name.clone() state=access.state.clone() current="Access"/>
        <div class="grid gap-6 lg:grid-cols-2">
            <section aria-labelledby="kubeconfig-title" class=CARD>
                <h2 id="kubeconfig-title" class="text-base font-semibold">"Kubeconfig"</h2>
                {if access.may_issue {
                    view! { <KubeconfigForm zone=zone.clone() id=id.clone() endpoint=access.endpoint.clone() role=access.role issue/> }.into_any()
                } else {
                    view! { <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"Operators, admins and owners can issue kubeconfigs."</p> }.into_any()
                }}
            </section>
            <section aria-labelledby="rotate-title" class=CARD>
                <h2 id="rotate-title" class="text-base font-semibold">"Rotate credentials"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Replaces credentials the cluster's components use. Kubeconfigs issued earlier keep working until they expire, except after rotating the operators authority."
                </p>
                <Rotations zone=zone.clone() id=id.clone() rotations=access.rotations.clone() allowed=access.may_rotate/>
            </section>
            <IssuedList issued=access.issued.clone() now_ms=access.now_ms/>
            <section aria-labelledby="authorities-title" class=format!("{CARD} lg:col-span-2")>
                <h2 id="authorities-title" class="text-base font-semibold">"Certificate authorities"</h2>
                <ul class="mt-3 space-y-3">
                    {access.authorities.into_iter().map(|cert| view! { <Authority cert cluster=access.name.clone()/> }).collect_view()}
                </ul>
            </section>
        </div>
    }
}

#[component]
fn KubeconfigForm(
    zone: String,
    id: String,
    endpoint: Option<String>,
    role: crate::roles::Role,
    issue: ServerAction<IssueKubeconfig>,
) -> impl IntoView {
    let longest = role.kubeconfig_max_hours();
    let preferred = longest.min(24 * 30);
    let masters = role.may_issue_masters();
    let error = Signal::derive(move || issue.value().get().and_then(Result::err));
    let field = move |name: &'static str| Signal::derive(move || field_error(error.get(), name));
    let issued = move || issue.value().get().and_then(Result::ok);
    view! {
        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
            "A kubeconfig holds a client certificate for a user and groups, signed by the cluster's authority. Kubernetes RBAC decides what it may do: "
            <code>"system:masters"</code>" is full control."
        </p>
        {endpoint.is_none().then(|| view! {
            <p role="status" class="mt-2 text-sm text-amber-700 dark:text-amber-400">"The control plane is not up yet: kubeconfigs can be issued once it runs."</p>
        })}
        <ActionForm action=issue attr:class="mt-4 space-y-3" attr:aria-label="Issue a kubeconfig">
            <input type="hidden" name="zone" value=zone/>
            <input type="hidden" name="id" value=id/>
            <div><ErrorSummary error/></div>
            <label class="block text-sm font-medium" for="kc-user">"User"</label>
            <input id="kc-user" name="user" value=crate::catalog::KUBECONFIG_USER required class=INPUT aria-describedby="kc-user-error" aria-invalid=move || field("user").get().is_some().to_string()/>
            <FieldMessage id="kc-user-error".into() message=field("user")/>
            <label class="block text-sm font-medium" for="kc-groups">"Groups"</label>
            <input id="kc-groups" name="groups" value={if masters { MASTERS } else { "" }} class=INPUT aria-describedby="kc-groups-help kc-groups-error" aria-invalid=move || field("groups").get().is_some().to_string()/>
            <p id="kc-groups-help" class="text-xs text-slate-500 dark:text-slate-400">
                "Separated by commas or spaces; each becomes an organization (O) in the certificate."
                {(!masters).then_some(" Only admins and owners may use system:masters.")}
            </p>
            <FieldMessage id="kc-groups-error".into() message=field("groups")/>
            <label class="block text-sm font-medium" for="kc-ttl">"Valid for"</label>
            <select id="kc-ttl" name="ttl_hours" class=INPUT aria-describedby="kc-ttl-error">
                {TTL_CHOICES.iter().filter(|(hours, _)| *hours <= longest).map(|(hours, label)| view! {
                    <option value=hours.to_string() selected=*hours == preferred>{*label}</option>
                }).collect_view()}
            </select>
            <FieldMessage id="kc-ttl-error".into() message=field("ttl_hours")/>
            <button type="submit" class=BUTTON disabled=move || issue.pending().get()>
                {move || if issue.pending().get() { "Issuing…" } else { "Issue kubeconfig" }}
            </button>
        </ActionForm>
        {move || issued().map(|k| view! { <Issued issued=k/> })}
    }
}

#[component]
fn Issued(issued: IssuedKubeconfig) -> impl IntoView {
    let command = format!("kubectl --kubeconfig {} get nodes", issued.file_name);
    let summary = format!(
        "Issued for user {} in groups {}, valid for {} hours.",
        issued.user,
        if issued.groups.is_empty() {
            "(none)".to_owned()
        } else {
            issued.groups.join(", ")
        },
        issued.ttl_hours
    );
    view! {
        <div role="status" class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm dark:border-emerald-900 dark:bg-emerald-950">
            <p>{summary}</p>
            <p class="mt-2">
                <a href=data_url(&issued.content) download=issued.file_name.clone() class=BUTTON>
                    {format!("Download {}", issued.file_name)}
                </a>
            </p>
            <p class="mt-2 text-xs">"Then: "<code class="rounded bg-white px-1 py-0.5 dark:bg-slate-900">{command}</code></p>
            <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">"It contains a private key: keep it like a password. Capstan does not keep a copy."</p>
        </div>
    }
}

#[component]
fn Rotations(
    zone: String,
    id: String,
    rotations: Vec<(String, String)>,
    allowed: bool,
) -> impl IntoView {
    if !allowed {
        return view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"Operators, admins and owners can rotate credentials."</p> }.into_any();
    }
    let rotate = ServerAction::<RotateCredentials>::new();
    let error = Signal::derive(move || rotate.value().get().and_then(Result::err));
    let done = move || {
        rotate
            .value()
            .get()
            .and_then(Result::ok)
            .map(|_| "Rotation started: the cluster shows it in its state until done.")
    };
    view! {
        <div class="mt-3"><ErrorSummary error/></div>
        <p role="status" class="text-sm text-emerald-700 dark:text-emerald-400">{done}</p>
        <ul class="mt-3 space-y-2">
            {rotations.into_iter().map(|(which, label)| {
                let (zone, id) = (zone.clone(), id.clone());
                view! {
                <li class="flex items-center justify-between gap-3">
                    <span class="text-sm">{label.clone()}</span>
                    <ActionForm action=rotate>
                        <input type="hidden" name="zone" value=zone.clone()/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <input type="hidden" name="which" value=which/>
                        <button type="submit" class=QUIET_BUTTON aria-label=format!("Rotate {label}")>"Rotate"</button>
                    </ActionForm>
                </li>
            }}).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Authority(cert: AuthorityCert, cluster: String) -> impl IntoView {
    let file = format!("{cluster}-{}-ca.pem", cert.authority);
    let href = format!(
        "data:application/x-pem-file;charset=utf-8,{}",
        crate::url::encode(&cert.pem)
    );
    view! {
        <li class="rounded-md border border-slate-100 p-3 dark:border-slate-800">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <div>
                    <h3 class="font-mono text-sm font-semibold">{cert.authority.clone()}</h3>
                    <p class="text-sm text-slate-600 dark:text-slate-400">{cert.purpose.clone()}</p>
                </div>
                {(!cert.pem.is_empty()).then(|| view! {
                    <a href=href download=file class=QUIET_BUTTON>{format!("Download {} certificate", cert.authority)}</a>
                })}
            </div>
            {if cert.pem.is_empty() {
                view! { <p class="mt-2 text-sm text-amber-700 dark:text-amber-400">"Not available yet."</p> }.into_any()
            } else {
                view! {
                    <details class="mt-2">
                        <summary class="cursor-pointer text-sm">"Show PEM"</summary>
                        <pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-2 text-xs dark:bg-slate-950">{cert.pem}</pre>
                    </details>
                }.into_any()
            }}
        </li>
    }
}

/// The kubeconfigs issued through the portal for this cluster: for whom, by whom, when, and how
/// long they have left ("expires soon" in their last quarter and last week).
#[component]
fn IssuedList(issued: Vec<IssuedRecord>, now_ms: i64) -> impl IntoView {
    let date = crate::access::utc_text;
    view! {
        <section aria-labelledby="issued-title" class=format!("{CARD} lg:col-span-2")>
            <h2 id="issued-title" class="text-base font-semibold">"Kubeconfigs issued here"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Client certificates cannot be revoked one by one: each works until it expires, or until the operators authority is rotated (which ends all of them)."
            </p>
            {if issued.is_empty() {
                view! { <p class="mt-3 text-sm">"None yet."</p> }.into_any()
            } else {
                view! {
                    <div class="mt-3 overflow-x-auto">
                        <table class="w-full text-sm">
                            <caption class="sr-only">"Kubeconfigs issued through the portal, newest first"</caption>
                            <thead class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                                <tr>
                                    <th scope="col" class="py-1 pr-3">"User"</th>
                                    <th scope="col" class="py-1 pr-3">"Groups"</th>
                                    <th scope="col" class="py-1 pr-3">"Issued by"</th>
                                    <th scope="col" class="py-1 pr-3">"Issued"</th>
                                    <th scope="col" class="py-1 pr-3">"Expires"</th>
                                    <th scope="col" class="py-1">"Left"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {issued.into_iter().map(|k| {
                                    let validity = k.validity(now_ms);
                                    let left = k.time_left(now_ms);
                                    let (mark, tone) = match validity {
                                        Validity::Valid => (None, ""),
                                        Validity::ExpiresSoon => (Some("expires soon"), "bg-amber-50 text-amber-900 ring-amber-600/20 dark:bg-amber-950 dark:text-amber-200"),
                                        Validity::Expired => (Some("expired"), "bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300"),
                                    };
                                    let groups = if k.groups.is_empty() { "none".to_owned() } else { k.groups.join(", ") };
                                    view! {
                                        <tr class="border-t border-slate-100 dark:border-slate-800">
                                            <th scope="row" class="py-1 pr-3 text-left font-mono text-xs font-medium">{k.user.clone()}</th>
                                            <td class="py-1 pr-3 font-mono text-xs">{groups}</td>
                                            <td class="py-1 pr-3">{k.issued_by.clone()}</td>
                                            <td class="py-1 pr-3 whitespace-nowrap">{date(k.issued_at_ms)}</td>
                                            <td class="py-1 pr-3 whitespace-nowrap">{date(k.expires_at_ms)}</td>
                                            <td class="py-1 whitespace-nowrap">
                                                {(validity != Validity::Expired).then(|| left.clone())}
                                                {mark.map(|m| view! { <span class=format!("ml-2 inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {tone}")>{m}</span> })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
