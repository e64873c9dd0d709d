# The quiz server: docker build -t quiz-server . && docker run -p 8765:8765 quiz-server
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8765

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# A user without privileges runs the server; the code stays owned by root.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin quiz

COPY quiz_server.py ./
COPY quiz/ ./quiz/
COPY llm/ ./llm/
COPY web/ ./web/

USER quiz

EXPOSE 8765

# No curl in the slim image: the standard library does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8765'), timeout=4)"]

# Exec form: python is PID 1 and receives SIGTERM itself, so players get
# server_restarting and a 1012 close before the container stops.
CMD ["python", "quiz_server.py"]
