// Members, shared entities and money exposure of one ring
//
// One row: the ring as stored by scoring (status, size, score, exposure, shared
// entities, dates) beside what the graph shows now: its members (sorted), their mean
// risk, the identifiers and merchants at least two members used (named like
// "device:d1" or "merchant:m1", most used first), what the members paid to merchants
// (exposure_paid: the sum of their PAID amounts), sent to and received from accounts
// outside the ring. Times: first_seen and last_seen span the members' own activity
// in the data (their transactions and identifier uses), scored_at is when scoring
// last wrote the ring, created_at when it first did. An unknown $ring_id is an error
// ("not found: ring ..."), not an empty answer.
//
// Parameters:
//   $ring_id  STRING  the ring (must exist: ring) (required)
//
// Example:
//   graphrisk query ring_summary --param ring_id=R1
MATCH (ring:Ring {ring_id: $ring_id})
CALL (ring) {
  OPTIONAL MATCH (m:User)-[:MEMBER_OF]->(ring)
  WITH m ORDER BY m.user_id
  RETURN collect(m) AS members, avg(m.risk_score) AS mean_risk
}
CALL (members) {
  UNWIND members AS m
  MATCH (m)-[:USED|PAID]->(x)
  WITH x, count(DISTINCT m) AS users
  WHERE users >= 2
  WITH x, users,
       toLower(labels(x)[0]) + ':' + coalesce(x.device_id, x.card_id, x.ip_id, x.email_id, x.phone_id,
                                             x.address_id, x.merchant_id) AS entity
  ORDER BY users DESC, entity
  RETURN collect(entity) AS shared_entities
}
CALL (members) {
  UNWIND members AS m
  MATCH (m)-[p:PAID]->(:Merchant)
  RETURN toFloat(sum(p.amount)) AS exposure_paid
}
CALL (members) {
  UNWIND members AS m
  MATCH (m)-[s:SENT]->(o:User)
  WHERE NOT o IN members
  RETURN toFloat(sum(s.amount)) AS sent_out
}
CALL (members) {
  UNWIND members AS m
  MATCH (m)<-[s:SENT]-(o:User)
  WHERE NOT o IN members
  RETURN toFloat(sum(s.amount)) AS received_in
}
RETURN ring.ring_id AS ring_id, ring.status AS status, ring.size AS size, size(members) AS members_now,
       [m IN members | m.user_id] AS members, ring.score AS score, mean_risk,
       ring.exposure AS exposure, exposure_paid, sent_out, received_in,
       shared_entities, ring.shared_entities AS stored_shared_entities,
       ring.first_seen AS first_seen, ring.last_seen AS last_seen, ring.scored_at AS scored_at,
       ring.created_at AS created_at, ring.updated_at AS updated_at, ring.grown_at AS grown_at,
       ring.merged_into AS merged_into, ring.model_version AS model_version
