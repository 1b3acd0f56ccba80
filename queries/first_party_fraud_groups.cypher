// Groups of accounts linked by shared identifiers (first-party fraud view)
//
// Neo4j's first-party fraud guide links clients that share identifiers (email, phone,
// SSN) and scores the connected groups with GDS. This is the same idea in plain,
// bounded Cypher, joined to graphrisk's scores. Accounts are linked when they used
// one identifier of a type in $types; an identifier with more than $max_hub accounts
// links nobody (kiosks, public IPs), and with $active_from/$active_until only uses
// seen in that window count (last_seen at or after the start, first_seen at or before
// the end; a use without timestamps then does not count). From each account a
// breadth-first search (ANY SHORTEST over a quantified path, so each account is
// reached once) follows at most $max_depth shared identifiers (1 to 4). A group is
// reported from its anchor, the account with the smallest user_id among those it
// reaches: when a connected group is no wider than $max_depth hops from every
// member this gives the connected component exactly once; a wider one comes out as
// overlapping groups around several anchors. Each group of at least $min_size
// accounts has its members, the identifiers two or more of them share, and the
// members' scores: mean and max risk_score, flagged count, rings. Most flagged
// members first. Give $user_id for the group reached from that one account.
// Cost: one bounded search per account (or one, with $user_id).
//
// Parameters:
//   $user_id       STRING        only the group reached from this account
//                                (must exist: user) (optional)
//   $types         LIST<STRING>  identifier types that link accounts (one of: device,
//                                card, ip, email, phone, address)
//                                (default device,card,ip,email,phone,address)
//   $max_hub       INTEGER       identifiers with more accounts link nobody (default 50)
//   $max_depth     INTEGER       shared identifiers followed from the anchor, 1 to 4
//                                (default 3)
//   $active_from   DATETIME      only uses seen at or after this (optional)
//   $active_until  DATETIME      only uses that started at or before this (optional)
//   $min_size      INTEGER       smallest group reported (default 3)
//   $limit         INTEGER       groups to return (default 50)
//
// Example:
//   graphrisk query first_party_fraud_groups --param types=email,phone,address
//   graphrisk query first_party_fraud_groups --param user_id=u5 --param min_size=2
MATCH (u:User)
WHERE $user_id IS NULL OR u.user_id = $user_id
// The search's own predicates use only parameters: Neo4j checks those on each step
// (inlined); a predicate over variables from outside the pattern is checked only on
// whole paths, which is orders of magnitude slower.
OPTIONAL MATCH p = ANY SHORTEST (u)((a:User)-[r1:USED]->(x)<-[r2:USED]-(b:User)
    WHERE toLower(labels(x)[0]) IN coalesce($types, ['device', 'card', 'ip', 'email', 'phone', 'address'])
      AND COUNT { (x)<-[:USED]-() } <= coalesce($max_hub, 50)
      AND ($active_from IS NULL OR (r1.last_seen >= datetime($active_from) AND r2.last_seen >= datetime($active_from)))
      AND ($active_until IS NULL OR (r1.first_seen <= datetime($active_until)
                                     AND r2.first_seen <= datetime($active_until)))){1,4}(v:User)
WHERE v <> u AND length(p) <= 2 * coalesce($max_depth, 3)
WITH u, collect(v) AS reached, max(length(p)) / 2 AS depth
WHERE size(reached) + 1 >= coalesce($min_size, 3)
  AND ($user_id IS NOT NULL OR all(v IN reached WHERE u.user_id < v.user_id))
WITH u, reached, depth, coalesce($types, ['device', 'card', 'ip', 'email', 'phone', 'address']) AS types,
     coalesce($max_hub, 50) AS max_hub, datetime($active_from) AS since, datetime($active_until) AS until
CALL (u, reached) {
  UNWIND [u] + reached AS m
  WITH m ORDER BY m.user_id
  RETURN collect(m) AS members, avg(m.risk_score) AS mean_risk, max(m.risk_score) AS max_risk,
         count(CASE WHEN m.flagged = true THEN 1 END) AS flagged_members
}
CALL (members, types, max_hub, since, until) {
  UNWIND members AS m
  MATCH (m)-[r:USED]->(x)
  WHERE toLower(labels(x)[0]) IN types AND COUNT { (x)<-[:USED]-() } <= max_hub
    AND (since IS NULL OR r.last_seen >= since) AND (until IS NULL OR r.first_seen <= until)
  WITH x, count(DISTINCT m) AS users
  WHERE users >= 2
  WITH x, users, toLower(labels(x)[0]) + ':' + coalesce(x.device_id, x.card_id, x.ip_id, x.email_id,
                                                       x.phone_id, x.address_id) AS entity
  ORDER BY users DESC, entity
  RETURN collect(entity) AS shared_identifiers
}
CALL (members) {
  UNWIND members AS m
  WITH DISTINCT m.ring_id AS ring_id
  WHERE ring_id IS NOT NULL
  WITH ring_id ORDER BY ring_id
  RETURN collect(ring_id) AS rings
}
RETURN u.user_id AS anchor, size(members) AS size, [m IN members | m.user_id] AS members, depth,
       shared_identifiers, flagged_members, mean_risk, max_risk, rings
ORDER BY flagged_members DESC, coalesce(mean_risk, -1.0) DESC, size DESC, anchor
LIMIT coalesce($limit, 50)
