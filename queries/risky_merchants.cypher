// Merchants with an unusual share of high-risk payers
//
// For each merchant with at least $min_payers paying accounts: how many payers are
// high-risk (flagged by the model; with $min_score given, a risk_score of at least
// $min_score instead, flagged or not),
// their share against the share among all paying accounts (base_share), the lift
// (share / base_share) and a binomial z-score ((high-risk payers - expected) /
// standard deviation under base_share), and the amounts they paid. Merchants with a
// lift of at least $min_lift, highest z-score first (the z-score weighs the lift by
// the number of payers, so one risky payer at a tiny shop does not top the list).
//
// Parameters:
//   $min_payers  INTEGER  fewest paying accounts for a merchant to be judged (default 10)
//   $min_score   FLOAT    high-risk means a risk_score of at least this, instead of
//                         flagged (optional)
//   $min_lift    FLOAT    smallest lift reported (default 2.0)
//   $limit       INTEGER  merchants to return (default 25)
//
// Example:
//   graphrisk query risky_merchants --param min_payers=20 --param min_lift=3
MATCH (u:User)
WHERE EXISTS { (u)-[:PAID]->(:Merchant) }
WITH count(u) AS all_payers,
     count(CASE WHEN ($min_score IS NULL AND u.flagged = true) OR u.risk_score >= $min_score THEN 1 END) AS all_risky
WHERE all_risky > 0
WITH toFloat(all_risky) / all_payers AS base_share
MATCH (m:Merchant)<-[p:PAID]-(u:User)
WITH m, base_share, count(u) AS payers,
     count(CASE WHEN ($min_score IS NULL AND u.flagged = true) OR u.risk_score >= $min_score THEN 1 END) AS risky_payers,
     sum(p.amount) AS amount,
     sum(CASE WHEN ($min_score IS NULL AND u.flagged = true) OR u.risk_score >= $min_score THEN p.amount ELSE 0.0 END) AS risky_amount
WHERE payers >= coalesce($min_payers, 10) AND risky_payers > 0
WITH m, base_share, payers, risky_payers, amount, risky_amount,
     toFloat(risky_payers) / payers AS share,
     CASE WHEN base_share < 1.0
          THEN (risky_payers - payers * base_share) / sqrt(payers * base_share * (1.0 - base_share)) END AS z_score
WHERE share / base_share >= coalesce($min_lift, 2.0)
RETURN m.merchant_id AS merchant_id, payers, risky_payers, share, base_share, share / base_share AS lift,
       z_score, toFloat(amount) AS amount, toFloat(risky_amount) AS risky_amount,
       m.risk_score AS merchant_risk
ORDER BY coalesce(z_score, 0.0) DESC, lift DESC, merchant_id
LIMIT coalesce($limit, 25)
