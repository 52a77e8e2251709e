SELECT
  "t2"."period_start",
  "t2"."_d_channel" AS "channel",
  "t2"."n",
  "t2"."mean",
  "t2"."std",
  "t2"."quantiles"
FROM (
  SELECT
    "t1"."period_start",
    "t1"."_d_channel",
    COUNT("t1"."agent_wait_s") FILTER(WHERE
      "t1"."is_resolved"
      AND (
        "t1"."resolved_at" IS NOT NULL
      )
      AND (
        "t1"."agent_wait_s" IS NOT NULL
      )) AS "n",
    AVG("t1"."agent_wait_s") FILTER(WHERE
      "t1"."is_resolved"
      AND (
        "t1"."resolved_at" IS NOT NULL
      )
      AND (
        "t1"."agent_wait_s" IS NOT NULL
      )) AS "mean",
    STDDEV_SAMP("t1"."agent_wait_s") FILTER(WHERE
      "t1"."is_resolved"
      AND (
        "t1"."resolved_at" IS NOT NULL
      )
      AND (
        "t1"."agent_wait_s" IS NOT NULL
      )) AS "std",
    QUANTILE_CONT("t1"."agent_wait_s", [0.5, 0.9]) FILTER(WHERE
      "t1"."is_resolved"
      AND (
        "t1"."resolved_at" IS NOT NULL
      )
      AND (
        "t1"."agent_wait_s" IS NOT NULL
      )) AS "quantiles"
  FROM (
    SELECT
      "t0"."ticket_id",
      "t0"."created_at",
      "t0"."channel",
      "t0"."category",
      "t0"."priority",
      "t0"."team",
      "t0"."agent_id",
      "t0"."brand",
      "t0"."product",
      "t0"."language",
      "t0"."customer_id",
      "t0"."status",
      "t0"."created_by",
      "t0"."has_messages",
      "t0"."has_status_changes",
      "t0"."first_reply_at",
      "t0"."replies",
      "t0"."reply_agents",
      "t0"."reopens",
      "t0"."is_resolved",
      "t0"."first_resolved_at",
      "t0"."resolved_at",
      "t0"."handle_seconds",
      "t0"."next_contact_at",
      "t0"."requester_wait_s",
      "t0"."agent_wait_s",
      "t0"."on_hold_s",
      CAST(CAST(FLOOR(EPOCH(CAST("t0"."first_reply_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "frt_s",
      CAST(CAST(FLOOR(EPOCH(CAST("t0"."resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "resolution_s",
      CAST(CAST(FLOOR(EPOCH(CAST("t0"."first_resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "first_resolution_s",
      COALESCE(
        (
          "t0"."next_contact_at" IS NOT NULL
        )
        AND (
          "t0"."next_contact_at" <= (
            "t0"."created_at" + INTERVAL '7' DAY
          )
        ),
        FALSE
      ) AS "repeat_contact",
      CASE
        WHEN "t0"."channel" = 'email'
        THEN 86400.0
        WHEN "t0"."channel" = 'social'
        THEN 3600.0
        ELSE CAST(NULL AS DOUBLE)
      END AS "frt_target_s",
      CAST(NULL AS DOUBLE) AS "res_target_s",
      MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS "as_of",
      CAST(CAST(FLOOR(EPOCH(CAST(MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "open_age_s",
      "t0"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t0"."resolved_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t0"."resolved_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."resolved_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t0"."resolved_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."resolved_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t0"."resolved_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t0"."resolved_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM "_fact_tickets" AS "t0"
    WHERE
      "t0"."resolved_at" IS NOT NULL
      AND "t0"."resolved_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t0"."resolved_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t1"
  GROUP BY
    1,
    2
) AS "t2"
