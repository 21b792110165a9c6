"""JobMarket binding: escrow and the job lifecycle."""

from __future__ import annotations

from web3.types import TxReceipt

from assay.chain.bindings._base import Binding
from assay.protocol.params import MarketParams
from assay.protocol.records import Assignment, Job, Win
from assay.protocol.types import JobId, JobStatus, OpIndex, StateHash, StepIndex


class JobMarket(Binding):
    """Job escrow and lifecycle."""

    INTERFACE = "IJobMarket"
    NAME = "JobMarket"

    def post_job(
        self,
        spec_hash: bytes,
        spec_uri: str,
        steps: int,
        graph_hash: bytes,
        ops_per_step: int,
        initial_state: StateHash,
        budget_wei: int,
    ) -> JobId:
        """Post a job with `budget_wei` escrowed; returns its id. `ops_per_step` is N (see
        `assay.repro.graph.ops_per_step`), which the chain holds every game's op trace to."""
        receipt = self._send(
            "postJob",
            bytes(spec_hash),
            spec_uri,
            steps,
            bytes(graph_hash),
            ops_per_step,
            bytes(initial_state),
            value=budget_wei,
        )
        return JobId(int(self._one_event(receipt, "JobPosted").args["jobId"]))

    def cancel_job(self, job_id: JobId) -> TxReceipt:
        """Submitter: cancel an unclaimed job."""
        return self._send("cancelJob", job_id)

    def expire_job(self, job_id: JobId) -> TxReceipt:
        """Expire an Open job after its claim window."""
        return self._send("expireJob", job_id)

    def claim_job(self, job_id: JobId) -> TxReceipt:
        """Solver: claim an Open job (locks the solver stake)."""
        return self._send("claimJob", job_id)

    def submit_result(
        self,
        job_id: JobId,
        final_state: StateHash,
        trace_root: bytes,
        artifact_uri: str,
        sealed_tag: bytes,
    ) -> TxReceipt:
        """Solver: submit h_T, the trace root over h_0..h_T, the artifact URI and the sealed tag."""
        return self._send(
            "submitResult",
            job_id,
            bytes(final_state),
            bytes(trace_root),
            artifact_uri,
            bytes(sealed_tag),
        )

    def report_missed_deadline(self, job_id: JobId) -> TxReceipt:
        """Fail a Claimed job whose solver missed the solve window."""
        return self._send("reportMissedDeadline", job_id)

    def attest(self, job_id: JobId) -> TxReceipt:
        """Assigned verifier: attest the result is correct."""
        return self._send("attest", job_id)

    def finalize(self, job_id: JobId) -> TxReceipt:
        """Settle a job whose challenge window passed without a lost game."""
        return self._send("finalize", job_id)

    def settle_failure(self, job_id: JobId) -> TxReceipt:
        """Slash the solver of a Failed job once its games are resolved and the reveal window
        passed; drawn winners are credited their share here."""
        return self._send("settleFailure", job_id)

    def claim_winner_share(self, job_id: JobId) -> TxReceipt:
        """A winner of a settled Failed job no drawn verifier won: credit its equal share."""
        return self._send("claimWinnerShare", job_id)

    def draw_verifiers(self, job_id: JobId) -> TxReceipt:
        """Fill a Submitted job's empty verifier seats (restarts its challenge window)."""
        return self._send("drawVerifiers", job_id)

    def expire_unverified(self, job_id: JobId) -> TxReceipt:
        """Return a job whose verifier seats stayed empty to its submitter."""
        return self._send("expireUnverified", job_id)

    def win_of(self, job_id: JobId, challenger: str) -> Win:
        """`challenger`'s win on `job_id` (all false if none)."""
        w = self._call("winOf", job_id, challenger)
        return Win(
            bool(w[0]), bool(w[1]), bool(w[2]), bool(w[3]), StepIndex(int(w[4])), OpIndex(int(w[5]))
        )

    def error_proven_at(self, job_id: JobId, step: int, op_index: int) -> bool:
        """Whether a game on `job_id` was won by adjudication at (step, op_index)."""
        return bool(self._call("errorProvenAt", job_id, step, op_index))

    def challenge_deadline(self, job_id: JobId) -> int:
        """When the job's challenge window closes (on-chain view)."""
        return int(self._call("challengeDeadline", job_id))

    def release_verifiers(self, job_id: JobId) -> TxReceipt:
        """Release the verifiers' locks of a Finalized job after the reveal window."""
        return self._send("releaseVerifiers", job_id)

    def set_params(self, params: MarketParams) -> TxReceipt:
        """Owner: set the parameters for future jobs."""
        return self._send("setParams", params.as_tuple())

    def wire(self, dispute_game: str, forced_error_registry: str) -> TxReceipt:
        """Owner: one-time wiring."""
        return self._send("wire", dispute_game, forced_error_registry)

    def get_job(self, job_id: JobId) -> Job:
        """The full job record."""
        return Job.from_tuple(job_id, self._call("getJob", job_id))

    def job_status(self, job_id: JobId) -> JobStatus:
        """The job's status."""
        return JobStatus(self._call("jobStatus", job_id))

    def assignments(self, job_id: JobId) -> list[Assignment]:
        """Verifiers drawn for the job."""
        return [Assignment(a[0], bool(a[1]), bool(a[2])) for a in self._call("assignments", job_id)]

    def is_assigned(self, job_id: JobId, verifier: str) -> bool:
        """True if `verifier` was drawn for the job."""
        return bool(self._call("isAssigned", job_id, verifier))

    def params(self) -> MarketParams:
        """Current parameters (new jobs snapshot these)."""
        return MarketParams.from_tuple(self._call("params"))

    def job_count(self) -> int:
        """Number of jobs posted (ids run 1..count)."""
        return int(self._call("jobCount"))

    def total_escrow(self) -> int:
        """Escrowed budgets not yet paid out."""
        return int(self._call("totalEscrow"))
