// Members of one ring, each with its risk and its links to the other members
//
// One row per member of $ring_id (through MEMBER_OF), most risky first: its risk
// score, flag and reasons, when it joined, the identifiers it shares with other
// members ("device:d1"), what it paid to merchants, and what it sent to and received
// from other members, and its current verdict (verdict, verdict_by, verdict_at;
// null before any review). An unknown $ring_id is an error ("not found: ring ...").
//
// Parameters:
//   $ring_id  STRING  the ring (must exist: ring) (required)
//
// Example:
//   graphrisk query ring_members --param ring_id=R1
MATCH (ring:Ring {ring_id: $ring_id})<-[membership:MEMBER_OF]-(m:User)
WITH ring, collect([m, membership.since]) AS rows
WITH ring, rows, [row IN rows | row[0]] AS members
UNWIND rows AS row
WITH members, row[0] AS m, row[1] AS since
CALL (m, members) {
  MATCH (m)-[:USED]->(x)<-[:USED]-(other:User)
  WHERE other IN members AND other <> m
  WITH DISTINCT x
  WITH toLower(labels(x)[0]) + ':' + coalesce(x.device_id, x.card_id, x.ip_id, x.email_id, x.phone_id,
                                             x.address_id) AS entity
  ORDER BY entity
  RETURN collect(entity) AS shared_with_members
}
CALL (m) {
  MATCH (m)-[p:PAID]->(:Merchant)
  RETURN toFloat(sum(p.amount)) AS paid_amount
}
CALL (m, members) {
  MATCH (m)-[s:SENT]->(o:User)
  WHERE o IN members
  RETURN toFloat(sum(s.amount)) AS sent_to_members
}
CALL (m, members) {
  MATCH (m)<-[s:SENT]-(o:User)
  WHERE o IN members
  RETURN toFloat(sum(s.amount)) AS received_from_members
}
RETURN m.user_id AS user_id, m.risk_score AS risk_score, m.flagged AS flagged, m.risk_reasons AS risk_reasons,
       m.verdict AS verdict, m.verdict_by AS verdict_by, m.verdict_at AS verdict_at,
       since, shared_with_members, paid_amount, sent_to_members, received_from_members
ORDER BY coalesce(risk_score, -1.0) DESC, user_id
