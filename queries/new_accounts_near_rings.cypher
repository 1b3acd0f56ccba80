// New accounts attaching to known rings
//
// Accounts that are new (their first activity, the earliest first_seen of their USED,
// PAID and SENT relationships, is at or after $since) and share an identifier with a
// member of an active ring they are not a member of: candidates for a ring that is
// recruiting or re-registering. One row per account and ring, with the shared
// identifiers ("device:d1") and the members they lead to; most shared first.
// Identifiers used by more than $max_hub accounts are ignored. Accounts with no
// timestamp on any relationship are left out (their age is unknown). Each account's
// current verdict (verdict, verdict_by, verdict_at) is shown; null before any review.
//
// Parameters:
//   $since    DATETIME  first activity at or after this counts as new: ISO 8601 date
//                       or date-time, UTC when no zone is given (required)
//   $ring_id  STRING    only this ring (must exist: ring) (optional)
//   $max_hub  INTEGER   ignore identifiers used by more accounts than this (default 50)
//
// Example:
//   graphrisk query new_accounts_near_rings --param since=2024-03-15
//   graphrisk query new_accounts_near_rings --param since=2024-03-15 --param ring_id=R1
MATCH (ring:Ring {status: 'active'})
WHERE $ring_id IS NULL OR ring.ring_id = $ring_id
MATCH (ring)<-[:MEMBER_OF]-(member:User)-[:USED]->(x)<-[:USED]-(u:User)
WHERE NOT EXISTS { (u)-[:MEMBER_OF]->(ring) }
  AND COUNT { (x)<-[:USED]-() } <= coalesce($max_hub, 50)
WITH ring, u, x, collect(DISTINCT member.user_id) AS via
CALL (u) {
  MATCH (u)-[r:USED|PAID|SENT]-()
  RETURN min(r.first_seen) AS first_activity
}
WITH ring, u, x, via, first_activity
WHERE first_activity >= datetime($since)
WITH ring, u, first_activity, via,
     toLower(labels(x)[0]) + ':' + coalesce(x.device_id, x.card_id, x.ip_id, x.email_id, x.phone_id,
                                           x.address_id) AS entity
ORDER BY entity
WITH ring, u, first_activity, collect(entity) AS shared_entities, collect(via) AS vias
UNWIND vias AS via
UNWIND via AS member_id
WITH ring, u, first_activity, shared_entities, member_id
ORDER BY member_id
WITH ring, u, first_activity, shared_entities, collect(DISTINCT member_id) AS linked_members
RETURN u.user_id AS user_id, ring.ring_id AS ring_id, first_activity, shared_entities,
       size(shared_entities) AS shared_count, linked_members, u.risk_score AS risk_score,
       u.flagged AS flagged, u.ring_id AS own_ring_id,
       u.verdict AS verdict, u.verdict_by AS verdict_by, u.verdict_at AS verdict_at
ORDER BY shared_count DESC, first_activity DESC, user_id, ring_id
