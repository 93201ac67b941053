"""OpenAI-compatible and Ollama chat endpoints as generators, through LangChain chat models: streamed, with
one-line errors a user can act on. Does not handle: local models (see `local`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from data.cli import InputError
from rag.generation.base import GenerationInterrupted, Sampling

logger = logging.getLogger(__name__)


class ChatEndpointGenerator:
    """A LangChain chat model behind an HTTP endpoint (OpenAI-compatible server or Ollama).

    Every option goes in the field its API defines: OpenAI's chat completions take ``max_completion_tokens``,
    ``temperature`` and ``stop`` at the top of the request; Ollama's ``/api/chat`` takes ``num_predict``,
    ``temperature`` and ``stop`` inside ``options``.
    """

    def __init__(self, name: str, chat_model, *, kind: str, model: str, where: str,  # noqa: ANN001
                 context_window: int = 8192) -> None:
        self.name = name
        self.chat_model = chat_model
        self.kind, self.model, self.where = kind, model, where
        self.context_window = context_window
        self.instruction_tuned = True

    def count_tokens(self, text: str) -> int:
        """About four characters a token (no tokenizer is at hand for a remote model)."""
        return len(text) // 4 + 1

    def request_options(self, max_new_tokens: int, stop: Sequence[str], sampling: Sampling | None = None) -> dict:
        """The per-call options of one answer, in the shape the chat model passes to its server."""
        temperature = sampling.temperature if sampling is not None else 0.0
        if self.kind == "ollama":
            options = {"num_predict": max_new_tokens, "temperature": temperature, "stop": list(stop)}
            if sampling is not None:
                options |= {"seed": sampling.seed, "repeat_penalty": sampling.repetition_penalty}
            return {"options": options}
        extra = {} if sampling is None else {"temperature": temperature, "seed": sampling.seed}
        return {"max_tokens": max_new_tokens, "stop": list(stop), **extra}  # sent as max_completion_tokens

    def stream(self, prompt: str, *, max_new_tokens: int, stop: Sequence[str] = (),
               sampling: Sampling | None = None) -> Iterator[str]:
        """Stream the chat model's answer; a failure becomes one line that says what to do.

        Raises:
            GenerationInterrupted: the stream broke after part of the answer arrived.
            InputError: the server could not be reached, refused the key, or does not have the model.
        """
        from langchain_core.messages import HumanMessage

        started = False
        try:
            for chunk in self.chat_model.stream([HumanMessage(content=prompt)],
                                                **self.request_options(max_new_tokens, stop, sampling)):
                if chunk.content:
                    started = True
                    yield str(chunk.content)
        except Exception as error:  # the clients raise their own HTTP and connection error types
            raise self.explain(error, started=started) from None

    def explain(self, error: Exception, *, started: bool) -> InputError:
        """A one-line error for a failed request: which server, what went wrong, what to do."""
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        status = getattr(error, "status_code", None) or getattr(getattr(error, "response", None), "status_code", None)
        if started:
            return GenerationInterrupted(f"the answer from {self.name} at {self.where} broke off mid-stream "
                                         f"({detail}); what arrived is shown above, incomplete")
        if status == 404:
            if self.kind == "ollama":
                return InputError(f"the Ollama server at {self.where} has no model {self.model!r}: pull it with "
                                  f"`ollama pull {self.model}`, or pick one `ollama list` shows")
            return InputError(f"the server at {self.where} serves no model {self.model!r} (HTTP 404): pick one it "
                              f"lists at {self.where.rstrip('/')}/models")
        if status in (401, 403):
            return InputError(f"the server at {self.where} refused the API key (HTTP {status}): pass --api_key "
                              "or set OPENAI_API_KEY to a key it accepts")
        if status == 429:
            return InputError(f"the server at {self.where} is limiting requests (HTTP 429): wait a moment and ask "
                              "again, or use a key with a higher limit")
        if isinstance(status, int) and status >= 500:
            return InputError(f"the server at {self.where} failed on its side (HTTP {status}: {detail}); try again "
                              "later, or check the server's log")
        if _is_connection_error(error):
            return InputError(f"nothing answers at {self.where} ({detail}): start the {self.kind} server there "
                              "or point --base_url at one")
        return InputError(f"generator {self.name} at {self.where} failed: {detail}")


def _is_connection_error(error: BaseException) -> bool:
    """True for a refused or unreachable connection, whichever client raised it."""
    import httpx

    while error is not None:
        if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, ConnectionError)) or \
                type(error).__name__ == "APIConnectionError":
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False
