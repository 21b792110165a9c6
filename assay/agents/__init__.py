"""Off-chain agent core (op-challenger shape): monitor -> scheduler -> decide -> responder.

actions   typed actions (chain calls and local work)
views     per-tick snapshots built from the bindings (JobView, GameView, RequestView)
responder sends chain actions; "already done" reverts count as success
cursor    persisted JSON resume point (last block, tracked ids), written atomically
monitor   polls events into the cursor
scheduler at most one action in flight per job/game/request
runner    TaskRunner seam (InProcessRunner thread pool, InlineRunner for tests)
work      SpecSource seam, training/replay traces and op traces
base      the shared tick loop; solver/agent.py and verifier/agent.py build on it
settings  AgentSettings: the options every agent process shares (pydantic-settings, env vars)
process   AgentProcess (store, blob server, specs, runner) and run_loop, which ticks an agent
"""
