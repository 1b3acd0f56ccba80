// Shortest connection between two accounts through shared entities
//
// The shortest chain of USED (identifiers), PAID (merchants) and SENT (transfers)
// relationships between $from_user and $to_user, in either direction, as readable
// steps ("user:u1 -USED-> device:d1 <-USED- user:u2"). Hub cap: an identifier or
// merchant with more than $max_hub users (its USED and PAID relationships, one per
// account) is never crossed, so a popular shop or a public IP does not link everyone;
// accounts are crossed freely. The cap and $via are checked on each step while
// shortestPath searches (predicates over nodes(p) and relationships(p)), so they
// change which path is found, not just whether it is shown. The search is bounded at
// 10 relationships (a literal: Cypher takes no parameter there); $max_hops lowers it.
// No row: the accounts are not connected within these limits (or are the same);
// an unknown account is an error ("not found: user ...").
//
// Parameters:
//   $from_user  STRING        one account (must exist: user) (required)
//   $to_user    STRING        the other account (must exist: user) (required)
//   $max_hub    INTEGER       never cross identifiers or merchants with more users
//                             than this (default 50)
//   $max_hops   INTEGER       longest path reported, in relationships, at most 10
//                             (default 10)
//   $via        LIST<STRING>  relationship types that may be crossed (one of: USED,
//                             PAID, SENT) (default USED,PAID,SENT)
//
// Example:
//   graphrisk query shortest_path --param from_user=u1 --param to_user=u4
//   graphrisk query shortest_path --param from_user=u5 --param to_user=u8 --param via=USED,SENT --param max_hub=5
MATCH (a:User {user_id: $from_user}), (b:User {user_id: $to_user})
WHERE a <> b
MATCH p = shortestPath((a)-[:USED|PAID|SENT*..10]-(b))
WHERE all(n IN nodes(p) WHERE n:User OR COUNT { (n)<-[:USED|PAID]-() } <= coalesce($max_hub, 50))
  AND all(r IN relationships(p) WHERE type(r) IN coalesce($via, ['USED', 'PAID', 'SENT']))
WITH p, nodes(p) AS ns, relationships(p) AS rs
WHERE length(p) <= coalesce($max_hops, 10)
WITH p, ns, rs,
     [n IN ns | toLower(labels(n)[0]) + ':' + coalesce(n.user_id, n.device_id, n.card_id, n.ip_id, n.email_id,
                                                      n.phone_id, n.address_id, n.merchant_id)] AS names
RETURN length(p) AS hops,
       reduce(text = names[0], i IN range(0, size(rs) - 1) |
              text + CASE WHEN startNode(rs[i]) = ns[i] THEN ' -' + type(rs[i]) + '-> '
                          ELSE ' <-' + type(rs[i]) + '- ' END + names[i + 1]) AS path,
       [n IN ns WHERE n:User | n.user_id] AS accounts,
       [i IN range(1, size(ns) - 2) WHERE NOT ns[i]:User | names[i]] AS entities,
       [n IN ns WHERE n:User | n.risk_score] AS risk_scores
