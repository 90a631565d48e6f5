"""Deterministic generator of realistic postmortem Markdown documents.

The documents imitate the shapes found in the shared corpus: YAML, TOML or
`**Date:**` metadata; ATX, setext, `##NoSpace` and bold-label headings; action
items as bullets, numbered lists, GFM task lists, tables, bold-title bullets and
groups (under sub-headings, bold labels or bold bullets with nested entries);
`@login` and `Owner:` owners; ISO and "by May 1" due
dates; CRLF line endings; a few Japanese documents. Everything is drawn from the
`random.Random` passed in, so a seed always gives the same bytes.

The item count returned for each document follows the corpus labelling rules
(one list entry, table row or task per item; group labels and introductions are
not items), and nothing outside the follow-up section is worded as an action, so
it is the number a correct extractor should find.

Usage: python -m benchmarks.generate DIR --count N [--seed S] [--target-bytes B]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")

FILES_PER_FOLDER = 1000

# ---------------------------------------------------------------------------
# Vocabulary (all fictional)
# ---------------------------------------------------------------------------

SERVICES = (
    "checkout-api",
    "payments-gateway",
    "search-indexer",
    "auth-service",
    "notifications-worker",
    "billing-export",
    "media-transcoder",
    "inventory-sync",
    "profile-api",
    "ledger-service",
    "report-builder",
    "edge-proxy",
    "session-store",
    "ingest-pipeline",
    "webhooks-dispatcher",
    "feature-flags",
    "orders-api",
    "geo-lookup",
    "thumbnail-service",
    "audit-log",
)
# (English, Japanese) names of the shared systems an incident involves.
DEPENDENCIES = (
    ("the primary Postgres cluster", "プライマリ Postgres クラスタ"),
    ("the Redis session cache", "Redis セッションキャッシュ"),
    ("the Kafka cluster", "Kafka クラスタ"),
    ("the object store", "オブジェクトストレージ"),
    ("the internal DNS resolvers", "社内 DNS リゾルバ"),
    ("the shared Elasticsearch cluster", "共有 Elasticsearch クラスタ"),
    ("the RabbitMQ broker", "RabbitMQ ブローカー"),
    ("the service mesh sidecars", "サービスメッシュのサイドカー"),
    ("the config service", "設定サービス"),
    ("the identity provider", "認証基盤"),
    ("the MySQL replica set", "MySQL レプリカセット"),
    ("the CDN origin pool", "CDN オリジン"),
)
REGIONS = ("us-east-1", "eu-west-1", "ap-south-1", "eu-central-1", "us-west-2")
TEAMS = (
    "Platform",
    "Payments",
    "Storage",
    "SRE",
    "Core API",
    "Data Infrastructure",
    "Edge",
    "Identity",
    "Search",
    "Billing",
)
PEOPLE = (
    ("amina", "Amina Yusuf"),
    ("kwame", "Kwame Asante"),
    ("lchen", "Lena Chen"),
    ("mrossi", "Marco Rossi"),
    ("priya-k", "Priya Kumar"),
    ("tgarcia", "Tomás García"),
    ("soboyle", "Siobhan O'Boyle"),
    ("snakamura", "Sora Nakamura"),
    ("hfischer", "Hanna Fischer"),
    ("dkowalski", "Dawid Kowalski"),
    ("rmensah", "Rita Mensah"),
    ("ebakker", "Eva Bakker"),
    ("vlopez", "Valeria López"),
    ("ncarter", "Noah Carter"),
    ("yokafor", "Yemi Okafor"),
    ("ilind", "Ingrid Lind"),
)
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
STATUSES = ("draft", "reviewed", "final", "complete")
TIMEZONES = ("UTC", "UTC", "UTC", "PST", "CET", "JST")

KINDS = ("mitigate", "prevent", "detect", "process")
GROUP_TITLES = {"prevent": "Prevent", "detect": "Detect", "mitigate": "Mitigate", "process": "Process"}


@dataclass(frozen=True)
class _Scenario:
    """One kind of incident: what the title, cause, fix and specific actions say."""

    slug: str
    title: str
    alert: str
    causes: tuple[str, ...]
    fixes: tuple[str, ...]
    items: tuple[tuple[str, str, str], ...]  # (title, description, kind)


SCENARIOS = (
    _Scenario(
        "db-failover",
        "{Service} outage during database failover",
        "PrimaryUnreachable",
        (
            "An automated failover of {dep} promoted a replica that was {minutes} minutes "
            "behind, and {service} kept its connection pool pointed at the old primary.",
            "The connection pool in {service} caches resolved addresses for the lifetime of "
            "a connection, so no new connections were opened against the promoted primary.",
            "Health checks only verified that the process was up, not that it could write to "
            "the database, so the load balancer kept routing traffic to broken instances.",
        ),
        (
            "We restarted every {service} instance so the pools reconnected to the new primary.",
            "The replication backlog was replayed from the write-ahead log archive.",
        ),
        (
            (
                "Re-resolve the database address on every new pool connection",
                "Stop caching the primary's address so a failover is picked up within seconds.",
                "prevent",
            ),
            (
                "Add a write check to the {service} readiness probe",
                "Instances that cannot write should be taken out of rotation automatically.",
                "detect",
            ),
            (
                "Run a game day for database failover every quarter",
                "Exercise the failover path end to end with the owning teams present.",
                "process",
            ),
            (
                "Alert when replication lag on {dep} exceeds 30 seconds",
                "Page the storage on-call before a lagging replica can be promoted.",
                "detect",
            ),
        ),
    ),
    _Scenario(
        "cert-expiry",
        "Expired TLS certificate on {service}",
        "CertificateExpired",
        (
            "The TLS certificate for {service} expired at {start} {tz} because the renewal job "
            "had been failing silently for {count} days.",
            "The renewal job wrote its errors to a log stream that nobody watched, and the "
            "expiry dashboard only covered certificates issued by the old provider.",
        ),
        (
            "We issued a new certificate manually and rolled it out to the edge fleet.",
            "The renewal job was fixed and re-run against every certificate it manages.",
        ),
        (
            (
                "Alert 21 days before any certificate expires",
                "Cover every certificate in the inventory, whichever provider issued it.",
                "detect",
            ),
            (
                "Make the renewal job fail loudly",
                "A failed renewal should page the owning team instead of logging a warning.",
                "detect",
            ),
            (
                "Move {service} certificates to automated issuance",
                "Use the same ACME-based flow as the rest of the edge fleet.",
                "prevent",
            ),
            (
                "Document the manual certificate rotation procedure",
                "Add the steps we used during the incident to the {team} runbook.",
                "mitigate",
            ),
        ),
    ),
    _Scenario(
        "dns-outage",
        "Internal DNS resolution failures in {region}",
        "DNSLookupFailures",
        (
            "A change to the resolver configuration lowered the cache size on "
            "{dep}, and the resolvers started evicting records under normal load.",
            "Every service in {region} re-resolved its dependencies at the same moment, "
            "which overwhelmed the upstream servers and made lookups time out.",
        ),
        (
            "We reverted the resolver configuration and restarted the resolver pods one by one.",
            "Traffic was shifted to the secondary region until lookups were healthy again.",
        ),
        (
            (
                "Add a canary stage to resolver configuration changes",
                "Roll resolver changes to one availability zone first and watch lookup errors.",
                "prevent",
            ),
            (
                "Alert on DNS lookup error rate per region",
                "The alert should fire on errors, not only on resolver pod restarts.",
                "detect",
            ),
            (
                "Cache critical service addresses locally",
                "Let services keep working on stale records when the resolvers are unreachable.",
                "mitigate",
            ),
        ),
    ),
    _Scenario(
        "disk-full",
        "{Service} disk exhaustion",
        "DiskAlmostFull",
        (
            "Debug logging was left enabled on {service} after a previous investigation, and "
            "the data volume filled up in {count} hours.",
            "Log rotation was configured by size per file but not by total size, so rotated "
            "files kept accumulating on the same volume.",
        ),
        (
            "We deleted the rotated debug logs and disabled debug logging.",
            "The data volume was grown by 200 GB as a temporary measure.",
        ),
        (
            (
                "Cap the total size of rotated logs",
                "Configure log rotation with a total size limit on every {service} host.",
                "prevent",
            ),
            (
                "Alert when any data volume is 80% full",
                "Include the growth rate so the page says how long we have.",
                "detect",
            ),
            (
                "Expire debug logging flags automatically after 24 hours",
                "Debug logging should turn itself off instead of relying on someone to remember.",
                "prevent",
            ),
            (
                "Write a runbook for freeing disk space safely",
                "List which directories can be cleaned and which must never be touched.",
                "mitigate",
            ),
        ),
    ),
    _Scenario(
        "config-push",
        "Bad configuration push to {service}",
        "HighErrorRate",
        (
            "A configuration change set the request timeout of {service} to {count} "
            "milliseconds instead of seconds, and almost every call to {dep} timed out.",
            "The configuration pipeline validated the syntax of the change but not the "
            "ranges of its values, and it pushed the change to all regions at once.",
        ),
        (
            "We rolled the configuration back to the previous version.",
            "Queued requests were drained and retried once error rates were back to normal.",
        ),
        (
            (
                "Validate value ranges in the configuration pipeline",
                "Reject timeouts, limits and ratios outside documented bounds before rollout.",
                "prevent",
            ),
            (
                "Roll configuration changes out region by region",
                "Add a bake time between regions and stop automatically on error spikes.",
                "prevent",
            ),
            (
                "Add units to every duration setting",
                "Replace bare numbers with values such as 30s or 250ms.",
                "prevent",
            ),
            (
                "Make configuration rollback a single command",
                "The on-call engineer should not need to find the previous version by hand.",
                "mitigate",
            ),
        ),
    ),
    _Scenario(
        "memory-leak",
        "{Service} memory leak and crash loop",
        "ContainerOOMKilled",
        (
            "A new response cache in {service} had no size bound, and memory grew until the "
            "containers were killed and restarted every few minutes.",
            "Restarts happened faster than the warm-up period, so the pool never had enough "
            "healthy instances to serve peak traffic.",
        ),
        (
            "We rolled back to the previous release of {service}.",
            "Instance count was doubled until the fixed release was deployed.",
        ),
        (
            (
                "Bound every in-process cache",
                "Add a maximum size and eviction policy to all caches in {service}.",
                "prevent",
            ),
            (
                "Alert on memory growth rate, not only on restarts",
                "A steady climb over an hour should page before the first OOM kill.",
                "detect",
            ),
            (
                "Add a soak test to the release pipeline",
                "Run each release under production-like load for two hours before rollout.",
                "prevent",
            ),
        ),
    ),
    _Scenario(
        "queue-backlog",
        "{Service} queue backlog and delayed processing",
        "QueueDepthHigh",
        (
            "A slow query against {dep} made each message take {count} times longer to "
            "process, and the consumers fell behind the producers within minutes.",
            "Consumer autoscaling was capped at the same limit that had been set when traffic "
            "was half of what it is today.",
        ),
        (
            "We added an index for the slow query and raised the consumer limit.",
            "The backlog of {backlog}k messages was drained over the following three hours.",
        ),
        (
            (
                "Review autoscaling limits for all queue consumers",
                "Limits should be derived from current peak traffic and revisited every quarter.",
                "process",
            ),
            (
                "Alert on consumer lag in minutes",
                "Page when the oldest unprocessed message is more than 10 minutes old.",
                "detect",
            ),
            (
                "Add query plan checks to migrations",
                "Flag new queries that do sequential scans on large tables before they ship.",
                "prevent",
            ),
            (
                "Document how to drain a backlog safely",
                "Include the rate limits of {dep} so a catch-up does not cause a second incident.",
                "mitigate",
            ),
        ),
    ),
    _Scenario(
        "cache-stampede",
        "Cache stampede on {service}",
        "OriginLatencyHigh",
        (
            "A cache flush during a routine deploy sent every request for popular keys to {dep} at the same time.",
            "The cache client had no request coalescing, so {count} identical queries were "
            "issued for each missing key.",
        ),
        (
            "We throttled traffic at the edge and re-warmed the cache from a snapshot.",
            "The deploy job was changed to skip the flush step.",
        ),
        (
            (
                "Coalesce concurrent cache misses for the same key",
                "Only one request per key should reach the origin while the value is loading.",
                "prevent",
            ),
            (
                "Warm the cache before shifting traffic during deploys",
                "Replay a sample of recent keys against the new instances first.",
                "prevent",
            ),
            (
                "Add load shedding to {service}",
                "Reject low-priority requests when origin latency exceeds its budget.",
                "mitigate",
            ),
        ),
    ),
    _Scenario(
        "deploy-regression",
        "{Service} regression after deploy",
        "HighErrorRate",
        (
            "Release {version} of {service} changed how empty request bodies were parsed, "
            "and clients that send them received HTTP 500 errors.",
            "The integration tests exercised only requests with a body, and the canary "
            "received too little traffic from the affected clients to trip its checks.",
        ),
        (
            "We rolled back to the previous release and re-deployed a fixed build.",
            "Failed requests were replayed from the dead-letter queue.",
        ),
        (
            (
                "Add contract tests for empty and malformed request bodies",
                "Cover the requests our oldest mobile clients still send.",
                "prevent",
            ),
            (
                "Weight canary traffic by client version",
                "Make sure every supported client version reaches the canary.",
                "detect",
            ),
            (
                "Enable automatic rollback on canary error budget burn",
                "Roll back without waiting for a human when the canary burns budget 10x faster.",
                "mitigate",
            ),
        ),
    ),
    _Scenario(
        "quota-exhaustion",
        "Cloud API quota exhaustion in {region}",
        "APIQuotaExceeded",
        (
            "A batch job started calling the cloud provider's instance API in a tight loop "
            "and used up the shared quota for {region}.",
            "Autoscaling for {service} uses the same quota, so it could not add capacity when "
            "traffic rose an hour later.",
        ),
        (
            "We stopped the batch job and asked the provider for a temporary quota increase.",
            "Capacity for {service} was added by hand once calls succeeded again.",
        ),
        (
            (
                "Give batch jobs a separate cloud project and quota",
                "Keep autoscaling quota out of reach of anything that is not serving traffic.",
                "prevent",
            ),
            (
                "Alert at 70% of every cloud API quota",
                "Export quota usage as a metric and page the owning team.",
                "detect",
            ),
            (
                "Add exponential backoff to the batch job's API client",
                "Retry storms should never exceed a fixed share of the quota.",
                "prevent",
            ),
        ),
    ),
    _Scenario(
        "replication-lag",
        "Replication lag on {dep}",
        "ReplicationLagHigh",
        (
            "A backfill ran a single transaction over {count} million rows, and the replicas "
            "of {dep} fell more than {minutes} minutes behind.",
            "Reads from {service} go to the replicas, so users saw stale and missing data for the duration of the lag.",
        ),
        (
            "We cancelled the backfill and let the replicas catch up.",
            "Reads were temporarily routed to the primary for the most affected endpoints.",
        ),
        (
            (
                "Batch large backfills into small transactions",
                "Provide a backfill helper that commits every few thousand rows and sleeps.",
                "prevent",
            ),
            (
                "Route reads to the primary when replica lag is high",
                "Let {service} fall back automatically above a lag threshold.",
                "mitigate",
            ),
            (
                "Require review for data migrations over one million rows",
                "Add a checklist item to the migration template.",
                "process",
            ),
        ),
    ),
    _Scenario(
        "network-partition",
        "Network partition between zones in {region}",
        "ZoneUnreachable",
        (
            "A faulty line card in one availability zone of {region} dropped a share of the "
            "traffic between zones without taking the link down.",
            "The cluster membership protocol of {dep} interpreted the packet loss as node "
            "failures and repeatedly re-elected its leader.",
        ),
        (
            "The provider drained the faulty device, and we restarted the affected members.",
            "We confirmed data consistency with a checksum comparison across the zones.",
        ),
        (
            (
                "Alert on packet loss between availability zones",
                "Probe every zone pair once a minute and page on sustained loss.",
                "detect",
            ),
            (
                "Tune leader election timeouts for lossy networks",
                "Avoid leader churn when a link drops some packets but stays up.",
                "prevent",
            ),
            (
                "Document how to evacuate a zone",
                "Cover {service} and every stateful dependency in the runbook.",
                "mitigate",
            ),
        ),
    ),
)

GENERIC_ITEMS = (
    (
        "Update the {service} runbook with the steps used in this incident",
        "Include the commands, dashboards and escalation contacts.",
        "mitigate",
    ),
    (
        "Add a dashboard for {metric} on {service}",
        "Put it next to the error rate so the on-call sees both at once.",
        "detect",
    ),
    (
        "Schedule a review of paging thresholds for {team}",
        "Several alerts fired late or not at all during this incident.",
        "process",
    ),
    ("Add {service} to the dependency map", "The incident commander could not tell which teams to contact.", "process"),
    (
        "Write an integration test that reproduces this failure",
        "The test should fail on the old code and pass on the fix.",
        "prevent",
    ),
    (
        "Publish a status page update template for partial outages",
        "Customer communication took longer than the technical fix.",
        "process",
    ),
    (
        "Give the secondary on-call production access for {service}",
        "Escalation stalled because the backup contact could not act.",
        "mitigate",
    ),
    (
        "Add rate limiting in front of {dep}",
        "Protect the shared dependency from a single misbehaving client.",
        "prevent",
    ),
    (
        "Record deploy and config events on the {service} dashboards",
        "Annotations would have pointed to the trigger within minutes.",
        "detect",
    ),
    (
        "Define an SLO for {service} and alert on error budget burn",
        "Alerting on symptoms instead of causes catches failures we did not predict.",
        "detect",
    ),
    (
        "Run a chaos test that makes {dep} unavailable",
        "Verify that {service} degrades gracefully instead of failing every request.",
        "prevent",
    ),
    (
        "Add a feature flag to disable the new code path",
        "Turning the flag off is faster and safer than a full rollback.",
        "mitigate",
    ),
    (
        "Train the {team} on-call rotation on incident command",
        "Two responders worked on the same hypothesis for twenty minutes.",
        "process",
    ),
    (
        "Audit timeouts and retries between {service} and its dependencies",
        "Retries multiplied the load on {dep} during the incident.",
        "prevent",
    ),
    ("Make the health check exercise {dep}", "A shallow health check kept broken instances in rotation.", "detect"),
    ("Add capacity headroom alerts for {service}", "Page when peak utilisation stays above 75% for a week.", "detect"),
    (
        "Automate the failover procedure for {service}",
        "The manual steps took {minutes} minutes and were easy to get wrong.",
        "mitigate",
    ),
    (
        "File a support case with the vendor about the behaviour of {dep}",
        "Ask whether the failure mode is documented and how to detect it.",
        "process",
    ),
    (
        "Review access logs for the incident window",
        "Confirm that no customer data was exposed while protections were degraded.",
        "process",
    ),
    (
        "Add a pre-deploy check for pending schema migrations",
        "Block deploys that depend on a migration that has not run yet.",
        "prevent",
    ),
)

SUMMARY_OPENING = "On {date_long}, between {start} and {end} {tz}, {service} was degraded for about {minutes} minutes."
SUMMARY = (
    "The incident was declared at severity {severity} and handled by the {team} on-call rotation.",
    "Roughly {pct}% of requests to {service} failed or timed out during the worst part of the incident.",
    "The problem was first noticed when the {alert} alert fired for {service} in {region}.",
    "No data was lost, but some requests had to be retried by clients once service recovered.",
    "This document describes what happened, why it happened and what we learned from it.",
    "The trigger was a routine change, but the impact was made worse by gaps in alerting and in our runbooks.",
    "Customers in {region} were affected the most because that region carries the majority of {service} traffic.",
    "Support received {tickets} tickets about the problem before the status page was updated.",
    "The incident was caught by monitoring rather than by customer reports.",
    "Recovery took longer than the detection, mostly because the first hypothesis was wrong.",
    "Other services were not affected except where they call {service} directly.",
)
IMPACT = (
    "About {pct}% of requests to {service} returned errors for {minutes} minutes.",
    "p99 latency for {service} rose from 180 ms to more than {latency} ms.",
    "Downstream consumers of {service} saw retries pile up and their own error rates rise.",
    "The {team} team estimates that {sessions} customer sessions were interrupted.",
    "Internal tools that depend on {dep} were slow but remained available.",
    "No data was lost; a small number of writes were delayed and applied after recovery.",
    "Scheduled jobs that ran during the incident were skipped and re-run the next morning.",
    "The error budget for {service} for this quarter was exhausted by this single incident.",
    "Traffic from mobile clients was affected more than web traffic because of their shorter retry timeouts.",
    "The status page showed a partial outage of {service} for {minutes} minutes.",
    "Customers with automated retries recovered on their own once the service was back.",
    "Several enterprise customers opened priority support cases during the incident.",
    "The {team} team spent most of the following day answering questions from customers.",
    "Reporting dashboards showed gaps for the incident window until the backfill completed.",
)
CAUSE = (
    "The failure mode was not covered by our load tests, which use synthetic traffic with "
    "a much smaller key space than production.",
    "Nothing in the change itself looked risky in review, and it had been running in staging "
    "for a week without problems.",
    "Staging uses a single instance of {dep}, so the behaviour under contention was never exercised before production.",
    "The on-call engineer initially suspected the network because a similar alert had fired "
    "during a provider incident the week before.",
    "Metrics for {metric} were collected but not shown on the main {service} dashboard, so "
    "the signal was easy to miss.",
    "Retries in the client library multiplied the load on {dep} by roughly {count} times.",
    "The runbook for {service} described an older deployment layout and pointed to commands that no longer exist.",
    "Several teams were paged at once, and it took time to agree on who was leading the response.",
    "The alert that should have caught the problem earlier had been silenced during a "
    "maintenance window and never re-enabled.",
    "The behaviour was a known limitation of {dep}, but it was documented only in an old design document.",
    "The canary stage passed because the problem only appeared once every zone was on the new version.",
    "Our dashboards aggregate errors over five minutes, which hid the first spike.",
    "The change had been tested against an empty database, where the slow path never runs.",
    "Two recent changes landed within an hour of each other, which made the cause harder to isolate.",
    "Timeouts between {service} and {dep} were longer than the client timeouts, so work "
    "continued for requests nobody was waiting for any more.",
)
BACKGROUND = (
    "{Service} handles requests from the web and mobile clients and runs on about "
    "{count} instances per availability zone in {region}.",
    "It keeps its state in {dep}, which is operated by the {team} team and shared with several other services.",
    "Deploys go out through the standard pipeline: a canary in one zone for fifteen "
    "minutes, then the remaining zones one after another.",
    "Configuration is stored separately from the code and can be changed without a "
    "deploy, which is how most tuning is done.",
    "The service is covered by a latency SLO of 300 ms at p99 and an availability SLO of 99.9% over thirty days.",
    "Alerts for {service} page the {team} on-call rotation, which has a primary and a secondary engineer every week.",
    "Most traffic arrives during business hours in Europe and North America, with a smaller peak in the evening.",
    "Client libraries retry failed requests up to three times with a short backoff.",
    "Capacity is reviewed once a quarter against the forecast from the product teams.",
    "The runbook for {service} lives in the team wiki next to the dashboards it refers to.",
    "{Dep} was migrated to new hardware earlier this year, and the migration had completed without incident.",
    "Health checks on each instance are evaluated by the load balancer every ten seconds.",
)
DETECTION = (
    "The {alert} alert fired {count} minutes after the first errors and paged the primary on-call engineer.",
    "Customer reports reached the support channel before the alert fired.",
    "The on-call engineer acknowledged the page within five minutes.",
    "Dashboards for {service} showed the rise in {metric}, but nobody was looking at them at the time.",
    "The alert threshold had been raised during a noisy week last year and never lowered again.",
    "Synthetic probes from outside our network kept passing because they only request a static page.",
    "Errors were visible in the logs from the first minute, but log-based alerts are not set up for {service}.",
    "The secondary on-call engineer was paged automatically when the first page was not acknowledged in time.",
)
RESOLVED = (
    "The incident was closed after {service} had been stable for thirty minutes.",
    "The {team} team verified recovery using the error rate and {metric} dashboards.",
    "We posted a final update on the status page once traffic was back to normal.",
    "Affected customers were contacted by the support team the following day.",
)
WENT_WELL = (
    "The alert fired within a few minutes of the first errors.",
    "The incident channel was opened quickly and stayed focused.",
    "Rollback tooling worked as expected.",
    "Support and engineering kept each other informed throughout.",
    "The {team} team had recently practised a similar scenario.",
)
WENT_WRONG = (
    "It took too long to identify the change that triggered the incident.",
    "The runbook for {service} was out of date.",
    "Several dashboards showed conflicting numbers for the same metric.",
    "Escalation to the owners of {dep} was slow outside business hours.",
    "The status page was updated late.",
)
LUCKY = (
    "The incident happened outside the busiest hours for {region}.",
    "An engineer who knew the history of {dep} happened to be online.",
    "A recent snapshot made recovery faster than it would otherwise have been.",
)
TIMELINE_START = (
    "Deploy of {service} {version} starts",
    "Configuration change for {service} is applied",
    "Traffic to {service} starts rising after a marketing email goes out",
    "Scheduled maintenance on {dep} begins",
)
TIMELINE_MIDDLE = (
    "`{alert}` fires for {service} in {region}",
    "On-call engineer acknowledges the page",
    "Incident declared at {severity}; {team} joins the incident channel",
    "Error rate for {service} reaches {pct}%",
    "Support reports a spike in customer tickets",
    "First hypothesis (network issue) ruled out",
    "Owners of {dep} paged",
    "Status page updated: investigating degraded performance",
    "Graphs show {metric} well above baseline",
    "Team identifies the change that triggered the failure",
)
TIMELINE_END = (
    "Mitigation applied; error rate starts to fall",
    "Error rate back to baseline",
    "Status page updated: monitoring",
    "Incident resolved",
)
# Spelled out here because strftime("%B") is slow and follows the locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
METRICS = (
    "p99 latency",
    "5xx error rate",
    "queue depth",
    "connection pool utilisation",
    "replication lag",
    "CPU throttling",
    "GC pause time",
)

FOLLOW_UP_TITLES = (
    "Action Items",
    "Action items",
    "Corrective and Preventative Measures",
    "Follow-ups",
    "Remediation",
    "Next Steps",
    "Corrective actions",
    "Follow-up improvements",
    "Action Items & Follow-ups",
    "Preventive measures",
)
TABLE_SECTION_TITLES = ("Action Items", "Action items", "Action Items & Follow-ups", "Follow-up actions")
TASK_SECTION_TITLES = ("Action Items", "Follow-ups", "Tasks", "To-do", "Next Steps")
INTROS = (
    "The following action items came out of the review:",
    "To prevent this from happening again, we are taking the following steps:",
    "These items are tracked in the {team} backlog.",
    "Action items, in rough priority order:",
)
GROUP_SETS = (
    ("Short term", "Long term"),
    ("Immediate", "Planned"),
    ("Improvements and Fixes", "Tasks"),
)

# Japanese documents: the follow-up heading 再発防止策 and bold-label bullets, as in
# the corpus's Japanese report.
JA_HEADINGS = {
    "summary": "概要",
    "background": "背景",
    "impact": "影響",
    "cause": "原因",
    "detection": "検知",
    "timeline": "タイムライン",
    "resolution": "対応",
    "actions": "再発防止策",
}
JA_SUMMARY_OPENING = "{date_ja}、{service} で障害が発生し、約 {minutes} 分間リクエストの一部が失敗しました。"
JA_SUMMARY = (
    "影響を受けたリクエストは全体の約 {pct}% でした。",
    "監視アラート `{alert}` により障害を検知しました。",
    "データの損失はありませんでした。",
    "本障害は {severity} として扱い、{team} チームの当番が対応しました。",
    "本ドキュメントでは、発生した事象と原因、今後の対策をまとめます。",
    "{region} リージョンの利用者への影響が最も大きくなりました。",
)
JA_BACKGROUND = (
    "{service} は Web とモバイルの両クライアントからのリクエストを処理しています。",
    "{service} は状態を {dep_ja} に保存しており、{dep_ja} は複数のサービスで共有されています。",
    "デプロイは標準パイプラインで行い、まず一つのゾーンでカナリアを 15 分間実行します。",
    "設定はコードとは別に管理されており、デプロイなしで変更できます。",
    "{service} のアラートは {team} チームの当番に通知されます。",
    "クライアントライブラリは失敗したリクエストを最大 3 回まで再試行します。",
)
JA_IMPACT = (
    "{service} へのリクエストの約 {pct}% が {minutes} 分間エラーになりました。",
    "p99 レイテンシは通常の 180 ms から {latency} ms 以上に悪化しました。",
    "サポート窓口には {tickets} 件の問い合わせがありました。",
    "一部の書き込みは遅延しましたが、復旧後にすべて反映されました。",
    "障害中に実行予定だったバッチ処理は翌朝に再実行しました。",
    "今四半期の {service} のエラーバジェットを使い切りました。",
)
JA_CAUSE = (
    "{dep_ja} への接続がタイムアウトし、再試行によって負荷がさらに増加しました。",
    "変更内容はレビュー済みでしたが、本番環境と同じ負荷での検証は行われていませんでした。",
    "ステージング環境では同じ問題は再現しませんでした。",
    "ステージング環境の {dep_ja} は単一インスタンスで、競合時の挙動を確認できていませんでした。",
    "{service} の Runbook は古い構成のままで、存在しないコマンドが記載されていました。",
    "同じ時間帯に二つの変更が入っており、原因の切り分けに時間がかかりました。",
)
JA_DETECTION = (
    "アラートは最初のエラーから {count} 分後に発報しました。",
    "当番エンジニアは 5 分以内にアラートに応答しました。",
    "アラートより先に利用者からの問い合わせが届いていました。",
    "外部からの死活監視は静的ページのみを確認しており、異常を検知できませんでした。",
    "当番エンジニアが切り戻しを判断するまでに時間がかかりました。",
)
JA_TIMELINE_START = ("{service} のデプロイを開始", "{service} の設定変更を適用")
JA_TIMELINE_MIDDLE = (
    "`{alert}` アラートが発報",
    "当番エンジニアがアラートに応答",
    "{severity} として障害を宣言",
    "{service} のエラー率が {pct}% に到達",
    "サポート窓口への問い合わせが増加",
    "{dep_ja} の担当チームに連絡",
    "ステータスページを更新: 調査中",
    "原因となった変更を特定",
)
JA_TIMELINE_END = ("切り戻しを実施", "エラー率が通常値に回復", "ステータスページを更新: 監視中", "障害をクローズ")
JA_ITEMS = (
    ("監視追加", "{service} のエラー率に対するアラートを追加する。"),
    ("Runbook追記", "今回の切り戻し手順を {team} の Runbook に追記する。"),
    ("設定値の検証", "設定変更パイプラインで値の範囲チェックを行う。"),
    ("段階的リリース", "設定変更をリージョンごとに順番に適用する。"),
    ("負荷試験", "本番相当の負荷で {service} の負荷試験を実施する。"),
    ("接続プール見直し", "{dep_ja} への接続プールの上限とタイムアウトを見直す。"),
    ("エスカレーション手順", "夜間のエスカレーション先を明確にする。"),
    ("ダッシュボード整備", "{metric} をメインダッシュボードに表示する。"),
    ("ゲームデイ実施", "四半期ごとに障害対応訓練を行う。"),
    ("ステータスページ", "部分障害時のステータスページ更新テンプレートを用意する。"),
)
JA_RESOLUTION = "{service} を前のバージョンに切り戻し、エラー率が通常値に戻ったことを確認しました。"


# ---------------------------------------------------------------------------
# Document model
# ---------------------------------------------------------------------------


# A NamedTuple rather than a frozen dataclass: it is several times cheaper to build.
class _Item(NamedTuple):
    title: str
    text: str
    kind: str
    login: str | None
    name: str | None
    due: dt.date | None
    priority: str
    done: bool


@dataclass(frozen=True)
class _Style:
    """Choices that stay the same across one document, as they do in real ones."""

    headings: str  # "atx", "setext", "nospace", "bold"
    owner: str  # "none", "at", "label"
    due: str  # "none", "iso", "by"
    marker: str  # bullet marker


# random.choice and random.randint go through a rejection-sampling loop that costs
# several times more than random(); generation calls them dozens of times a document.
def _pick(rng: random.Random, options: Sequence[T]) -> T:
    return options[int(rng.random() * len(options))]


def _int(rng: random.Random, low: int, high: int) -> int:
    """A random integer in [low, high], like random.randint."""
    return low + int(rng.random() * (high - low + 1))


def _heading(style: str, level: int, text: str) -> str:
    if style == "setext" and level <= 2:
        return f"{text}\n{('=' if level == 1 else '-') * max(len(text), 3)}"
    if style == "nospace":
        return f"{'#' * level}{text}"
    if style == "bold":
        return f"**{text}**" if level == 1 else f"**{text}:**"
    return f"{'#' * level} {text}"


def _fill(rng: random.Random, pool: tuple[str, ...], ctx: dict[str, str], budget: int, sep: str = " ") -> list[str]:
    """Paragraphs of sentences from `pool` adding up to about `budget` bytes."""
    paragraphs: list[str] = []
    sentences: list[str] = []
    # A shuffled copy, refilled when used up, so sentences do not repeat back to back.
    order: list[str] = []
    size = 0
    target_len = _int(rng, 3, 6)
    while size < budget or not (sentences or paragraphs):
        if not order:
            order = sorted(pool, key=lambda _: rng.random())
        sentence = order.pop().format_map(ctx)
        sentences.append(sentence)
        size += len(sentence.encode()) + len(sep)
        if len(sentences) >= target_len:
            paragraphs.append(sep.join(sentences))
            sentences = []
            target_len = _int(rng, 3, 6)
    if sentences:
        paragraphs.append(sep.join(sentences))
    return paragraphs


def _wrap(text: str, indent: str, width: int = 80) -> str:
    """Hard-wrap `text` at spaces like an editor would; continuation lines get `indent`."""
    lines: list[str] = []
    begin = 0
    limit = width
    while len(text) - begin > limit:
        cut = text.rfind(" ", begin, begin + limit + 1)
        if cut <= begin:
            cut = text.find(" ", begin + limit)
            if cut < 0:
                break
        lines.append(text[begin:cut])
        begin = cut + 1
        limit = width - len(indent)
    lines.append(text[begin:])
    return ("\n" + indent).join(lines)


def _due_text(due: dt.date, mode: str) -> str:
    return due.isoformat() if mode == "iso" else f"{MONTHS[due.month - 1]} {due.day}"


def _suffix(item: _Item, style: _Style, rng: random.Random) -> str:
    """Owner and due date written after an entry, in the document's own manner."""
    parts: list[str] = []
    if item.login and style.owner == "at":
        parts.append(f"@{item.login}")
    elif item.name and style.owner == "label":
        parts.append(f"Owner: {item.name}")
    if item.due and style.due != "none":
        due = _due_text(item.due, style.due)
        parts.append(f"due {due}" if style.due == "iso" else f"by {due}")
    if not parts:
        return ""
    forms = (" — {}", " ({})") if style.owner == "label" else (" — {}", " ({})", ", {}")
    return _pick(rng, forms).format(", ".join(parts))


def _details(item: _Item, style: _Style) -> str:
    """`Owner: … Due: …` sentences, as written on an entry's continuation line."""
    parts: list[str] = []
    if item.login and style.owner == "at":
        parts.append(f"Owner: @{item.login}.")
    elif item.name and style.owner == "label":
        parts.append(f"Owner: {item.name}.")
    if item.due and style.due != "none":
        due = _due_text(item.due, style.due)
        parts.append(f"Due: {due}." if style.due == "iso" else f"Due by {due}.")
    return " ".join(parts)


def _render_list(items: list[_Item], style: _Style, rng: random.Random, kind: str) -> str:
    """Bullets, numbered entries or tasks, one line (or wrapped line) per item."""
    loose = rng.random() < 0.2
    wrap = rng.random() < 0.2
    lines: list[str] = []
    for n, item in enumerate(items, 1):
        if kind == "numbered":
            prefix = f"{n}. "
        elif kind == "tasks":
            prefix = f"- [{'x' if item.done else ' '}] "
        else:
            prefix = f"{style.marker} "
        if kind != "tasks" and rng.random() < 0.3:
            # Title and description in one entry; the owner then follows as a sentence.
            line = f"{prefix}{item.title}. {item.text} {_details(item, style)}".rstrip()
        else:
            line = prefix + item.title + _suffix(item, style, rng)
        lines.append(_wrap(line, " " * len(prefix)) if wrap else line)
    return ("\n\n" if loose else "\n").join(lines)


def _render_bold(items: list[_Item], style: _Style, rng: random.Random) -> str:
    """`- **Title**: description` entries, owner and due on a continuation line."""
    numbered = rng.random() < 0.4
    colon_inside = rng.random() < 0.5
    loose = rng.random() < 0.4
    lines: list[str] = []
    for n, item in enumerate(items, 1):
        prefix = f"{n}. " if numbered else f"{style.marker} "
        label = f"**{item.title}:**" if colon_inside else f"**{item.title}**:"
        line = f"{prefix}{label} {item.text}"
        extra = _details(item, style)
        if extra:
            line += "\n" + " " * len(prefix) + extra
        lines.append(line)
    return ("\n\n" if loose else "\n").join(lines)


def _render_nested(groups: list[tuple[str, list[_Item]]], style: _Style, rng: random.Random) -> str:
    """Each group a `- **Group:**` bullet with its entries nested under it."""
    lines: list[str] = []
    for name, members in groups:
        lines.append(f"{style.marker} **{name}:**")
        lines.extend(f"  {style.marker} {item.title}{_suffix(item, style, rng)}" for item in members)
    return "\n".join(lines)


def _render_table(items: list[_Item], rng: random.Random, status_in_bug: bool) -> str:
    header = ("Action Item", "Type", "Owner", "Priority", "Bug", "Due")
    rows: list[tuple[str, ...]] = []
    for item in items:
        bug = _pick(rng, ("n/a", f"#{_int(rng, 100, 9999)}", f"OPS-{_int(rng, 10, 999)}"))
        if status_in_bug:
            bug += " DONE" if item.done else " TODO"
        owner = item.login or ""
        rows.append((item.title, item.kind, owner, item.priority, bug, item.due.isoformat() if item.due else ""))
    table = [header, *rows]
    # Half the tables are padded into aligned columns, as table-formatting editors do.
    padded = rng.random() < 0.5
    widths = [max(len(r[i]) for r in table) if padded else 3 for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in table]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def _make_items(
    rng: random.Random, scenario: _Scenario, ctx: dict[str, str], date: dt.date, count: int, can_be_done: bool
) -> list[_Item]:
    pool = scenario.items + GENERIC_ITEMS
    items: list[_Item] = []
    for title, text, kind in rng.sample(pool, count):
        login, name = _pick(rng, PEOPLE)
        has_owner = rng.random() < 0.8
        due = date + dt.timedelta(days=_int(rng, 7, 120)) if rng.random() < 0.7 else None
        items.append(
            _Item(
                title=title.format_map(ctx),
                text=text.format_map(ctx),
                kind=kind,
                login=login if has_owner else None,
                name=name if has_owner else None,
                due=due,
                priority=_pick(rng, ("P0", "P1", "P1", "P2", "P2", "P3")),
                done=can_be_done and rng.random() < 0.2,
            )
        )
    return items


def _groups(items: list[_Item], rng: random.Random) -> list[tuple[str, list[_Item]]]:
    """Split items into named groups of at least two entries each."""
    if rng.random() < 0.5:
        by_kind: dict[str, list[_Item]] = {}
        for item in items:
            by_kind.setdefault(item.kind, []).append(item)
        if all(len(v) >= 2 for v in by_kind.values()):
            return [(GROUP_TITLES[k], by_kind[k]) for k in KINDS if k in by_kind]
    first, second = _pick(rng, GROUP_SETS)
    cut = _int(rng, 2, len(items) - 2)
    return [(first, items[:cut]), (second, items[cut:])]


def _actions_section(rng: random.Random, style: _Style, items: list[_Item], ctx: dict[str, str], layout: str) -> str:
    """The follow-up section: heading, optional introduction, the items."""
    if layout == "table":
        title = _pick(rng, TABLE_SECTION_TITLES)
    elif layout == "tasks":
        title = _pick(rng, TASK_SECTION_TITLES)
    else:
        title = _pick(rng, FOLLOW_UP_TITLES)
    blocks = [_heading(style.headings, 2, title)]
    if rng.random() < 0.3:
        blocks.append(_pick(rng, INTROS).format_map(ctx))
    if layout == "grouped":
        # Where the sections themselves are bold labels, a bold group label would read as
        # another section; such documents nest each group's entries under a bold bullet.
        form = (
            "nested"
            if style.headings == "bold" or rng.random() < 0.25
            else "label"
            if style.headings == "nospace" or rng.random() < 0.4
            else "heading"
        )
        if form == "nested":
            blocks.append(_render_nested(_groups(items, rng), style, rng))
            return "\n\n".join(blocks)
        entries = "bold" if rng.random() < 0.4 else "bullets"
        for name, members in _groups(items, rng):
            sub = f"**{name}:**" if form == "label" else _heading(style.headings, 3, name)
            body = (
                _render_bold(members, style, rng) if entries == "bold" else _render_list(members, style, rng, "bullets")
            )
            # A bold label directly above its list (no blank line) is common in the corpus.
            blocks.append(f"{sub}\n{body}" if sub.startswith("**") and rng.random() < 0.5 else f"{sub}\n\n{body}")
    elif layout == "table":
        blocks.append(_render_table(items, rng, status_in_bug=rng.random() < 0.6))
    elif layout == "bold":
        blocks.append(_render_bold(items, style, rng))
    else:
        blocks.append(_render_list(items, style, rng, layout))
    return "\n\n".join(blocks)


def _clock(minutes: int) -> str:
    """`HH:MM` for a number of minutes after midnight (wrapping past midnight)."""
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _timeline(rng: random.Random, style: _Style, ctx: dict[str, str], start: int, title: str, japanese: bool) -> str:
    first, middle, last = (
        (JA_TIMELINE_START, JA_TIMELINE_MIDDLE, JA_TIMELINE_END)
        if japanese
        else (TIMELINE_START, TIMELINE_MIDDLE, TIMELINE_END)
    )
    events = [_pick(rng, first)]
    events += rng.sample(middle, _int(rng, 4, 8))
    events += last[: _int(rng, 2, len(last))]
    tz = ctx["tz"]
    when = start
    rows: list[tuple[str, str]] = []
    for event in events:
        rows.append((_clock(when), event.format_map(ctx)))
        when += _int(rng, 1, 14)
    form = _pick(rng, ("dash", "bold", "table", "bare"))
    if form == "table":
        body = f"| Time ({tz}) | Event |\n|---|---|\n" + "\n".join(f"| {t} | {e} |" for t, e in rows)
    elif form == "bold":
        body = "\n".join(f"- **{t} {tz}**: {e}" for t, e in rows)
    elif form == "bare":
        body = "\n\n".join(f"{t} {tz}: {e}." for t, e in rows)
    else:
        body = "\n".join(f"- {t} {tz} — {e}" for t, e in rows)
    return f"{_heading(style.headings, 2, title)}\n\n{body}"


def _lessons(rng: random.Random, style: _Style, ctx: dict[str, str]) -> str:
    parts = [_heading(style.headings, 2, "Lessons Learned")]
    for name, pool in (("What went well", WENT_WELL), ("What went wrong", WENT_WRONG), ("Where we got lucky", LUCKY)):
        if name == "Where we got lucky" and rng.random() < 0.5:
            continue
        chosen = rng.sample(pool, _int(rng, 1, min(3, len(pool))))
        parts.append(_heading(style.headings, 3, name))
        parts.append("\n".join(f"{style.marker} {s.format_map(ctx)}" for s in chosen))
    return "\n\n".join(parts)


def _front_matter(rng: random.Random, kind: str, title: str, date: dt.date, severity: str, status: str) -> str:
    login_a, login_b = rng.sample(PEOPLE, 2)
    if kind == "yaml":
        lines = ["---", f'title: "{title}"', f"date: {date.isoformat()}", f"severity: {severity}", f"status: {status}"]
        if rng.random() < 0.5:
            lines += ["authors:", f"  - {login_a[0]}", f"  - {login_b[0]}"]
        return "\n".join([*lines, "---"])
    return "\n".join(
        [
            "+++",
            f'title = "{title}"',
            f"date = {date.isoformat()}",
            f'severity = "{severity}"',
            f'status = "{status}"',
            f'authors = ["{login_a[0]}", "{login_b[0]}"]',
            "+++",
        ]
    )


def _context(rng: random.Random, scenario: _Scenario, date: dt.date, start: int, minutes: int) -> dict[str, str]:
    service = _pick(rng, SERVICES)
    dep, dep_ja = _pick(rng, DEPENDENCIES)
    return {
        "service": service,
        "Service": service[0].upper() + service[1:],
        "dep": dep,
        "Dep": dep[0].upper() + dep[1:],
        "dep_ja": dep_ja,
        "region": _pick(rng, REGIONS),
        "team": _pick(rng, TEAMS),
        "metric": _pick(rng, METRICS),
        "alert": scenario.alert,
        "severity": _pick(rng, SEVERITIES),
        "tz": _pick(rng, TIMEZONES),
        "pct": str(_int(rng, 3, 95)),
        "count": str(_int(rng, 3, 40)),
        "tickets": str(_int(rng, 12, 900)),
        "latency": str(_int(rng, 4, 90) * 100),
        "sessions": f"{_int(rng, 2, 180) * 100:,}",
        "backlog": str(_int(rng, 20, 900)),
        "minutes": str(minutes),
        "version": f"v{_int(rng, 1, 9)}.{_int(rng, 0, 30)}.{_int(rng, 0, 9)}",
        "start": _clock(start),
        "end": _clock(start + minutes),
        "date_long": f"{MONTHS[date.month - 1]} {date.day}, {date.year}",
        "date_ja": f"{date.year}年{date.month}月{date.day}日",
    }


def _top(rng: random.Random, style: _Style, title: str, date: dt.date, ctx: dict[str, str]) -> list[str]:
    """Metadata and title: front matter, a `**Date:**` block, or just a title."""
    severity, status = ctx["severity"], _pick(rng, STATUSES)
    meta = rng.choices(("yaml", "toml", "dateline", "none"), (35, 15, 30, 20))[0]
    if meta in ("yaml", "toml"):
        top = [_front_matter(rng, meta, title, date, severity, status)]
        if rng.random() < 0.5:
            top.append(_heading(style.headings, 1, title))
        return top
    top = [_heading(style.headings, 1, f"Postmortem: {title}" if rng.random() < 0.4 else title)]
    if meta == "dateline":
        (login_a, _), (login_b, _) = rng.sample(PEOPLE, 2)
        top.append(
            f"**Date:** {date.isoformat()}\n\n**Authors:** {login_a}, {login_b}\n\n**Status:** {status.capitalize()}"
        )
    return top


def generate_document(rng: random.Random, index: int, target_bytes: int = 5000) -> tuple[str, bytes, int]:
    """One postmortem: (file name, document bytes, number of action items in it)."""
    scenario = _pick(rng, SCENARIOS)
    date = dt.date(2023, 1, 1) + dt.timedelta(days=_int(rng, 0, 1400))
    start = _int(rng, 0, 22 * 60)  # minutes after midnight
    ctx = _context(rng, scenario, date, start, _int(rng, 12, 240))
    title = scenario.title.format_map(ctx)
    japanese = rng.random() < 0.03
    style = _Style(
        headings=rng.choices(("atx", "setext", "nospace", "bold"), (55, 15, 10, 20))[0],
        owner=rng.choices(("none", "at", "label"), (30, 45, 25))[0],
        due=rng.choices(("none", "iso", "by"), (35, 45, 20))[0],
        marker=_pick(rng, ("-", "-", "*", "+")),
    )
    n_items = _int(rng, 3, 12)
    top = _top(rng, style, title, date, ctx)

    # Fixed parts first, so the prose can be sized to land near target_bytes.
    tail: list[str] = []
    if japanese:
        heads = JA_HEADINGS
        n_items = min(n_items, len(JA_ITEMS))
        actions = (
            _heading(style.headings, 2, heads["actions"])
            + "\n\n"
            + "\n".join(f"- **{label}**: {text.format_map(ctx)}" for label, text in rng.sample(JA_ITEMS, n_items))
        )
        fixes = JA_RESOLUTION.format_map(ctx)
        pools = {
            "summary": JA_SUMMARY,
            "background": JA_BACKGROUND,
            "impact": JA_IMPACT,
            "cause": JA_CAUSE,
            "detection": JA_DETECTION,
        }
        firsts = {"summary": JA_SUMMARY_OPENING.format_map(ctx)}
    else:
        heads = {
            "summary": _pick(rng, ("Summary", "Incident Summary", "Issue Summary", "Overview")),
            "background": _pick(rng, ("Background", "Context", "System overview")),
            "impact": _pick(rng, ("Impact", "Customer impact")),
            "cause": _pick(rng, ("Root Cause", "Root Causes", "Root Cause Analysis", "Contributing Factors")),
            "detection": "Detection",
            "timeline": _pick(rng, ("Timeline", "Timeline of events", "Timeline (all times {tz})")).format_map(ctx),
            "resolution": _pick(rng, ("Resolution", "Resolution and Recovery", "Recovery")),
        }
        layout = rng.choices(("bullets", "numbered", "tasks", "table", "bold", "grouped"), (20, 12, 16, 16, 16, 20))[0]
        if layout == "grouped" and n_items < 4:
            layout = "bullets"
        items = _make_items(rng, scenario, ctx, date, n_items, can_be_done=layout in ("tasks", "table"))
        actions = _actions_section(rng, style, items, ctx, layout)
        fixes = " ".join([*(s.format_map(ctx) for s in scenario.fixes), _pick(rng, RESOLVED).format_map(ctx)])
        pools = {"summary": SUMMARY, "background": BACKGROUND, "impact": IMPACT, "cause": CAUSE, "detection": DETECTION}
        firsts = {
            "summary": SUMMARY_OPENING.format_map(ctx),
            "cause": " ".join(c.format_map(ctx) for c in scenario.causes),
        }
        tail.append(_lessons(rng, style, ctx))
    resolution = f"{_heading(style.headings, 2, heads['resolution'])}\n\n{fixes}"
    timeline = _timeline(rng, style, ctx, start, heads["timeline"], japanese)

    used = sum(len(b.encode()) + 2 for b in (*top, timeline, resolution, actions, *tail))
    # Shares (in tenths) of the remaining bytes. The 350 held back cover the prose
    # headings and blank lines, and each section overshooting by half a sentence.
    budget = max(target_bytes - used - 350, 500)
    shares = {"summary": 2, "background": 2, "impact": 2, "cause": 3, "detection": 1}
    wrap_prose = rng.random() < 0.2
    prose: dict[str, str] = {}
    for key, share in shares.items():
        first = firsts.get(key, "")
        paragraphs = _fill(rng, pools[key], ctx, budget * share // 10 - len(first.encode()), "" if japanese else " ")
        if first:
            paragraphs.insert(0, first)
        if wrap_prose:
            paragraphs = [_wrap(p, "") for p in paragraphs]
        prose[key] = "\n\n".join([_heading(style.headings, 2, heads[key]), *paragraphs])

    # Two section orders seen in practice: narrative, and the SRE-book layout that puts
    # the timeline last.
    if rng.random() < 0.5:
        body = [
            prose["summary"],
            prose["background"],
            prose["impact"],
            timeline,
            prose["cause"],
            prose["detection"],
            resolution,
            actions,
            *tail,
        ]
    else:
        body = [
            prose["summary"],
            prose["background"],
            prose["impact"],
            prose["cause"],
            prose["detection"],
            resolution,
            actions,
            *tail,
            timeline,
        ]
    text = "\n\n".join([*top, *body]) + "\n"
    if rng.random() < 0.15:
        text = text.replace("\n", "\r\n")
    name = f"{date.isoformat()}-{scenario.slug}-{index:04d}.md"
    return name, text.encode(), n_items


def generate_corpus(directory: Path, count: int, seed: int = 1, target_bytes: int = 5000) -> int:
    """Write `count` documents under `directory` (1000 per subfolder); return the items."""
    rng = random.Random(seed)
    total = 0
    for index in range(count):
        name, data, items = generate_document(rng, index, target_bytes)
        folder = directory / f"{index // FILES_PER_FOLDER:03d}"
        if index % FILES_PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        total += items
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Write a deterministic corpus of synthetic postmortem documents.",
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target-bytes", type=int, default=5000)
    args = parser.parse_args(argv)
    items = generate_corpus(args.directory, args.count, args.seed, args.target_bytes)
    print(f"wrote {args.count} documents with {items} action items to {args.directory}")


if __name__ == "__main__":
    main()
