"""The project's pieces as LangChain components, laid out as a LangChain partner package: the retriever's
encoder as `Embeddings`, the whole first stage as a `BaseRetriever`, the reranker as a document compressor,
and a source tree as a document loader."""

from rag.langchain.document_compressors import CodeRerankCompressor
from rag.langchain.document_loaders import CodeFunctionLoader
from rag.langchain.embeddings import CodeSearchEmbeddings
from rag.langchain.retrievers import CodeSearchRetriever

__all__ = ["CodeFunctionLoader", "CodeRerankCompressor", "CodeSearchEmbeddings", "CodeSearchRetriever"]
