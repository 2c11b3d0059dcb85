-- What every rule file builds on, installed before any of them (a feature's own rules such as roster/people.sql,
-- then findings.sql, whose evaluate_findings calls them): thresholds, and email addresses parsed strictly.

-- A threshold: the value set with SET VARIABLE, else its default. The defaults are defined once, in the tool
-- (analyses/Findings.ts), which installs them in every audit database as the macro threshold_default(name).
CREATE OR REPLACE MACRO threshold(name) AS coalesce(getvariable(name), threshold_default(name));

-- The parts of an email address, lower-cased, or NULL when it is not a well-formed address: exactly one ASCII '@' (a
-- fullwidth '＠' is not one), a local part of RFC 5322 atext and dots, a domain of at least two ASCII labels (an
-- internationalised domain in its xn-- form). So 'evil.example＠acme.com' and 'a@evil.example@acme.com' are never
-- taken for addresses at acme.com. The same grammar as src/roster/Email.ts (test/roster/email.test.ts holds both to
-- one table of cases). Surrounding spaces are ignored.
CREATE OR REPLACE MACRO email_wellformed(email) AS
  coalesce(length(trim(email, ' ')) <= 254 AND regexp_full_match(trim(email, ' '),
    '[A-Za-z0-9!#$%&''*+/=?^_`{|}~.-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'), false);

CREATE OR REPLACE MACRO email_address(email) AS
  CASE WHEN email_wellformed(email)
    THEN {'local': split_part(lower(trim(email, ' ')), '@', 1), 'domain': split_part(lower(trim(email, ' ')), '@', 2)}
  END;

-- An address as people are told apart by it: lower case, its domain replaced by the one it is an alias of
-- (SET VARIABLE domain_aliases = MAP {'example.io': 'example.com'}); NULL when it is not a well-formed address.
CREATE OR REPLACE MACRO email_key(email) AS
  CASE WHEN NOT email_wellformed(email) THEN NULL
       WHEN cardinality(coalesce(getvariable('domain_aliases'), MAP {}::MAP(VARCHAR, VARCHAR))) = 0 THEN lower(trim(email, ' '))
       ELSE split_part(lower(trim(email, ' ')), '@', 1) || '@' ||
         coalesce(getvariable('domain_aliases')[split_part(lower(trim(email, ' ')), '@', 2)], split_part(lower(trim(email, ' ')), '@', 2))
  END;
