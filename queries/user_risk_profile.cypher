// Risk profile of one account: score, reasons, ring and neighbourhood
//
// One row for $user_id: what scoring wrote (risk_score, flagged, reasons, when and
// by which model), its ring (status, size, score, when it joined) and every ring it
// is a member of, what it used and paid (identifiers as "device:d1", merchant count,
// amounts paid, sent and received), when it was first and last active, and the
// flagged accounts it shares an identifier with (identifiers used by more than
// $max_hub accounts ignored), and its current verdict (verdict, verdict_by,
// verdict_at; null before any review). An unknown $user_id is an error
// ("not found: user ..."), not an empty answer.
//
// Parameters:
//   $user_id  STRING   the account (must exist: user) (required)
//   $max_hub  INTEGER  ignore identifiers used by more accounts than this (default 50)
//
// Example:
//   graphrisk query user_risk_profile --param user_id=u5 --format json
MATCH (u:User {user_id: $user_id})
OPTIONAL MATCH (ring:Ring {ring_id: u.ring_id})
OPTIONAL MATCH (u)-[membership:MEMBER_OF]->(ring)
CALL (u) {
  OPTIONAL MATCH (u)-[:MEMBER_OF]->(r:Ring)
  WITH r ORDER BY r.ring_id
  RETURN collect(r.ring_id) AS member_of
}
CALL (u) {
  MATCH (u)-[:USED]->(x)
  WITH toLower(labels(x)[0]) + ':' + coalesce(x.device_id, x.card_id, x.ip_id, x.email_id, x.phone_id,
                                             x.address_id) AS entity
  ORDER BY entity
  RETURN collect(entity) AS identifiers
}
CALL (u) {
  MATCH (u)-[p:PAID]->(:Merchant)
  RETURN count(p) AS merchants, toFloat(sum(p.amount)) AS paid_amount
}
CALL (u) {
  MATCH (u)-[s:SENT]->(:User)
  RETURN toFloat(sum(s.amount)) AS sent_amount
}
CALL (u) {
  MATCH (u)<-[s:SENT]-(:User)
  RETURN toFloat(sum(s.amount)) AS received_amount
}
CALL (u) {
  MATCH (u)-[r:USED|PAID|SENT]-()
  RETURN min(r.first_seen) AS first_activity, max(r.last_seen) AS last_activity
}
CALL (u) {
  MATCH (u)-[:USED]->(x)<-[:USED]-(other:User {flagged: true})
  WHERE other <> u AND COUNT { (x)<-[:USED]-() } <= coalesce($max_hub, 50)
  WITH DISTINCT other ORDER BY other.user_id
  RETURN collect(other.user_id) AS flagged_neighbours
}
RETURN u.user_id AS user_id, u.risk_score AS risk_score, u.flagged AS flagged, u.risk_reasons AS risk_reasons,
       u.verdict AS verdict, u.verdict_by AS verdict_by, u.verdict_at AS verdict_at,
       u.scored_at AS scored_at, u.model_version AS model_version,
       u.ring_id AS ring_id, ring.status AS ring_status, ring.size AS ring_size, ring.score AS ring_score,
       ring.first_seen AS ring_first_seen, ring.last_seen AS ring_last_seen,
       membership.since AS member_since, member_of,
       identifiers, merchants, paid_amount, sent_amount, received_amount, first_activity, last_activity,
       flagged_neighbours
