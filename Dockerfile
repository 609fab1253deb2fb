# Redline web and worker image (the critic runs in the separate vllm/vllm-openai image).
FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 REDLINE_STATIC_ROOT=/app/staticfiles
# llama.cpp (the CPU critic) builds portably: a -march=native build faults on hosts without AMX (see scripts/llama-wheel).
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only REDLINE_VAR_DIR=/tmp/build python manage.py collectstatic --no-input -v 0
RUN useradd --create-home redline && mkdir -p /app/var /var/redline && chown redline /app/var /var/redline
USER redline
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
