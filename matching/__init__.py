"""The matching engine: who may do which job, when, and who fits best.

Pure Python: it imports nothing from Django or the other apps. The marketplace hands it plain
data (`matching.types`) and stores its answers.

- `rules`: legal class and every rule of youth labour protection and the exchange's policy.
- `calendar`: public holidays of the policy's state and school days.
- `geo`: great-circle distance and a spatial grid index.
- `scoring`: the soft score with its reasons (weights in one place).
- `engine`: `jobs_for_teen`, `teens_for_job`, `why_not`, `propose`.
- `optimise`: the exact batch assignment (CP-SAT).
"""
