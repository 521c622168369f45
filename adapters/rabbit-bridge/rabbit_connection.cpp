#include "rabbit-bridge/rabbit_connection.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <vector>

namespace docaxis::rabbit_bridge {

namespace {

constexpr amqp_channel_t kChannel = 1;

amqp_bytes_t bytes(const std::string& s) {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = const_cast<char*>(s.data());
  return b;
}
std::string str(amqp_bytes_t b) {
  return b.bytes == nullptr ? std::string() : std::string(static_cast<const char*>(b.bytes), b.len);
}
timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::string reply_text(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no RPC reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* m = static_cast<const amqp_connection_close_t*>(r.reply.decoded);
        return "connection closed by the broker: " + std::to_string(m->reply_code) + " " +
               str(m->reply_text);
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* m = static_cast<const amqp_channel_close_t*>(r.reply.decoded);
        return "channel closed by the broker: " + std::to_string(m->reply_code) + " " +
               str(m->reply_text);
      }
      return "unexpected broker method " + std::to_string(r.reply.id);
  }
  return "unknown reply";
}

void copy_properties(const amqp_basic_properties_t& p, RabbitMessage& m) {
  if ((p._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) != 0) m.delivery_mode = p.delivery_mode;
  if ((p._flags & AMQP_BASIC_HEADERS_FLAG) == 0) return;
  for (int i = 0; i < p.headers.num_entries; ++i) {
    const amqp_table_entry_t& e = p.headers.entries[i];
    if (e.value.kind == AMQP_FIELD_KIND_UTF8 || e.value.kind == AMQP_FIELD_KIND_BYTES) {
      m.headers[str(e.key)] = str(e.value.value.bytes);
    }
  }
}

}  // namespace

struct RabbitConnection::State {
  amqp_connection_state_t conn = nullptr;
  bool usable = false;
  bool confirm_mode = false;
  std::uint64_t next_seq = 1;
  ~State() {
    if (conn == nullptr) return;
    if (usable) {
      amqp_channel_close(conn, kChannel, AMQP_REPLY_SUCCESS);
      amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(conn);
  }
};

RabbitConnection::RabbitConnection(std::unique_ptr<State> s) : s_(std::move(s)) {}
RabbitConnection::~RabbitConnection() = default;

Result<std::unique_ptr<RabbitConnection>> RabbitConnection::open(const RabbitOptions& o) {
  auto s = std::make_unique<State>();
  s->conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(s->conn);
  if (socket == nullptr) return Status{"unavailable", "rabbitmq: cannot create a socket"};
  const timeval connect_tv = to_timeval(o.connect_timeout);
  const int rc = amqp_socket_open_noblock(socket, o.host.c_str(), o.port, &connect_tv);
  const std::string where = o.host + ":" + std::to_string(o.port);
  if (rc != AMQP_STATUS_OK) {
    return Status{"unavailable", "rabbitmq " + where + ": " + amqp_error_string2(rc)};
  }
  const timeval rpc_tv = to_timeval(o.rpc_timeout);
  amqp_set_rpc_timeout(s->conn, &rpc_tv);
  const amqp_rpc_reply_t login =
      amqp_login(s->conn, o.vhost.c_str(), 0, 131072, o.heartbeat_seconds,
                 AMQP_SASL_METHOD_PLAIN, o.user.c_str(), o.password.c_str());
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    return Status{"unavailable", "rabbitmq " + where + " login: " + reply_text(login)};
  }
  amqp_channel_open(s->conn, kChannel);
  const amqp_rpc_reply_t ch = amqp_get_rpc_reply(s->conn);
  if (ch.reply_type != AMQP_RESPONSE_NORMAL) {
    return Status{"unavailable", "rabbitmq " + where + " channel.open: " + reply_text(ch)};
  }
  s->usable = true;
  return std::unique_ptr<RabbitConnection>(new RabbitConnection(std::move(s)));
}

Status RabbitConnection::check_rpc(const char* what) {
  const amqp_rpc_reply_t r = amqp_get_rpc_reply(s_->conn);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) return Status();
  // A server exception closes the channel or connection; a library error leaves the
  // connection in an unknown state. Either way it is not used again.
  s_->usable = false;
  return Status{"unavailable", std::string("rabbitmq ") + what + ": " + reply_text(r)};
}

Status RabbitConnection::declare_queue(const std::string& queue, bool durable) {
  amqp_queue_declare(s_->conn, kChannel, bytes(queue), 0, durable ? 1 : 0, 0, 0,
                     amqp_empty_table);
  return check_rpc("queue.declare");
}

Status RabbitConnection::declare_exchange(const std::string& exchange, const std::string& type,
                                          bool durable) {
  amqp_exchange_declare(s_->conn, kChannel, bytes(exchange), bytes(type), 0, durable ? 1 : 0, 0,
                        0, amqp_empty_table);
  return check_rpc("exchange.declare");
}

Status RabbitConnection::bind_queue(const std::string& queue, const std::string& exchange,
                                    const std::string& routing_key) {
  amqp_queue_bind(s_->conn, kChannel, bytes(queue), bytes(exchange), bytes(routing_key),
                  amqp_empty_table);
  return check_rpc("queue.bind");
}

Result<std::uint32_t> RabbitConnection::message_count(const std::string& queue) {
  const amqp_queue_declare_ok_t* ok =
      amqp_queue_declare(s_->conn, kChannel, bytes(queue), /*passive=*/1, 0, 0, 0,
                         amqp_empty_table);
  if (Status st = check_rpc("queue.declare passive"); !st.ok()) return st;
  return static_cast<std::uint32_t>(ok->message_count);
}

Status RabbitConnection::delete_queue(const std::string& queue) {
  amqp_queue_delete(s_->conn, kChannel, bytes(queue), /*if_unused=*/0, /*if_empty=*/0);
  return check_rpc("queue.delete");
}

Status RabbitConnection::consume(const std::string& queue, int prefetch) {
  amqp_basic_qos(s_->conn, kChannel, 0, static_cast<uint16_t>(prefetch), 0);
  if (Status st = check_rpc("basic.qos"); !st.ok()) return st;
  amqp_basic_consume(s_->conn, kChannel, bytes(queue), amqp_empty_bytes, 0, /*no_ack=*/0, 0,
                     amqp_empty_table);
  return check_rpc("basic.consume");
}

Status RabbitConnection::confirm_select() {
  amqp_confirm_select(s_->conn, kChannel);
  if (Status st = check_rpc("confirm.select"); !st.ok()) return st;
  s_->confirm_mode = true;
  s_->next_seq = 1;
  return Status();
}

Result<std::uint64_t> RabbitConnection::publish(const std::string& exchange,
                                                const std::string& routing_key,
                                                const std::string& body, const Headers& headers,
                                                bool persistent, bool mandatory,
                                                const std::string& content_type) {
  std::vector<amqp_table_entry_t> entries;
  entries.reserve(headers.size());
  for (const auto& [k, v] : headers) {
    amqp_table_entry_t e{};
    e.key = bytes(k);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = bytes(v);
    entries.push_back(e);
  }
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.content_type = bytes(content_type);
  props.delivery_mode = persistent ? AMQP_DELIVERY_PERSISTENT : AMQP_DELIVERY_NONPERSISTENT;
  if (!entries.empty()) {
    props._flags |= AMQP_BASIC_HEADERS_FLAG;
    props.headers.num_entries = static_cast<int>(entries.size());
    props.headers.entries = entries.data();
  }
  const int rc = amqp_basic_publish(s_->conn, kChannel, bytes(exchange), bytes(routing_key),
                                    mandatory ? 1 : 0, 0, &props, bytes(body));
  if (rc != AMQP_STATUS_OK) {
    s_->usable = false;
    return Status{"unavailable", std::string("rabbitmq basic.publish: ") + amqp_error_string2(rc)};
  }
  return s_->confirm_mode ? s_->next_seq++ : std::uint64_t{0};
}

Status RabbitConnection::ack(std::uint64_t delivery_tag, bool multiple) {
  const int rc = amqp_basic_ack(s_->conn, kChannel, delivery_tag, multiple ? 1 : 0);
  if (rc == AMQP_STATUS_OK) return Status();
  s_->usable = false;
  return Status{"unavailable", std::string("rabbitmq basic.ack: ") + amqp_error_string2(rc)};
}

Status RabbitConnection::nack(std::uint64_t delivery_tag, bool requeue) {
  const int rc = amqp_basic_nack(s_->conn, kChannel, delivery_tag, 0, requeue ? 1 : 0);
  if (rc == AMQP_STATUS_OK) return Status();
  s_->usable = false;
  return Status{"unavailable", std::string("rabbitmq basic.nack: ") + amqp_error_string2(rc)};
}

Result<RabbitEvent> RabbitConnection::next_event(std::chrono::milliseconds wait) {
  amqp_maybe_release_buffers(s_->conn);
  amqp_envelope_t env{};
  const timeval tv = to_timeval(wait);
  const amqp_rpc_reply_t r = amqp_consume_message(s_->conn, &env, &tv, 0);
  RabbitEvent ev;
  if (r.reply_type == AMQP_RESPONSE_NORMAL) {
    ev.kind = RabbitEvent::Kind::kDelivery;
    ev.message.delivery_tag = env.delivery_tag;
    ev.message.redelivered = env.redelivered != 0;
    ev.message.exchange = str(env.exchange);
    ev.message.routing_key = str(env.routing_key);
    ev.message.body = str(env.message.body);
    copy_properties(env.message.properties, ev.message);
    amqp_destroy_envelope(&env);
    return ev;
  }
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) {
    return ev;
  }
  if (r.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION ||
      r.library_error != AMQP_STATUS_UNEXPECTED_STATE) {
    s_->usable = false;
    return Status{"unavailable", "rabbitmq: " + reply_text(r)};
  }
  // A frame other than basic.deliver is waiting (amqp_consume_message put it back): read it.
  amqp_frame_t frame{};
  const int rc = amqp_simple_wait_frame(s_->conn, &frame);
  if (rc != AMQP_STATUS_OK) {
    s_->usable = false;
    return Status{"unavailable", std::string("rabbitmq: ") + amqp_error_string2(rc)};
  }
  if (frame.frame_type != AMQP_FRAME_METHOD) return ev;
  switch (frame.payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
      const auto* a = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
      ev.kind = RabbitEvent::Kind::kConfirmAck;
      ev.seq = a->delivery_tag;
      ev.multiple = a->multiple != 0;
      return ev;
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* n = static_cast<const amqp_basic_nack_t*>(frame.payload.method.decoded);
      ev.kind = RabbitEvent::Kind::kConfirmNack;
      ev.seq = n->delivery_tag;
      ev.multiple = n->multiple != 0;
      return ev;
    }
    case AMQP_BASIC_RETURN_METHOD: {
      const auto* ret = static_cast<const amqp_basic_return_t*>(frame.payload.method.decoded);
      ev.kind = RabbitEvent::Kind::kReturn;
      ev.reply = std::to_string(ret->reply_code) + " " + str(ret->reply_text);
      ev.message.exchange = str(ret->exchange);
      ev.message.routing_key = str(ret->routing_key);
      amqp_message_t msg{};
      const amqp_rpc_reply_t rr = amqp_read_message(s_->conn, frame.channel, &msg, 0);
      if (rr.reply_type != AMQP_RESPONSE_NORMAL) {
        s_->usable = false;
        return Status{"unavailable", "rabbitmq basic.return: " + reply_text(rr)};
      }
      ev.message.body = str(msg.body);
      copy_properties(msg.properties, ev.message);
      amqp_destroy_message(&msg);
      return ev;
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
      const auto* c = static_cast<const amqp_channel_close_t*>(frame.payload.method.decoded);
      s_->usable = false;
      return Status{"unavailable", "rabbitmq: channel closed by the broker: " +
                                       std::to_string(c->reply_code) + " " + str(c->reply_text)};
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
      const auto* c = static_cast<const amqp_connection_close_t*>(frame.payload.method.decoded);
      amqp_connection_close_ok_t ok{};
      amqp_send_method(s_->conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
      s_->usable = false;
      return Status{"unavailable", "rabbitmq: connection closed by the broker: " +
                                       std::to_string(c->reply_code) + " " + str(c->reply_text)};
    }
    default:
      return ev;
  }
}

Result<std::optional<RabbitMessage>> RabbitConnection::get(const std::string& queue,
                                                           bool auto_ack) {
  amqp_maybe_release_buffers(s_->conn);
  const amqp_rpc_reply_t r = amqp_basic_get(s_->conn, kChannel, bytes(queue), auto_ack ? 1 : 0);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    s_->usable = false;
    return Status{"unavailable", "rabbitmq basic.get: " + reply_text(r)};
  }
  if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return std::optional<RabbitMessage>();
  const auto* ok = static_cast<const amqp_basic_get_ok_t*>(r.reply.decoded);
  RabbitMessage m;
  m.delivery_tag = ok->delivery_tag;
  m.redelivered = ok->redelivered != 0;
  m.exchange = str(ok->exchange);
  m.routing_key = str(ok->routing_key);
  amqp_message_t msg{};
  const amqp_rpc_reply_t rr = amqp_read_message(s_->conn, kChannel, &msg, 0);
  if (rr.reply_type != AMQP_RESPONSE_NORMAL) {
    s_->usable = false;
    return Status{"unavailable", "rabbitmq basic.get body: " + reply_text(rr)};
  }
  m.body = str(msg.body);
  copy_properties(msg.properties, m);
  amqp_destroy_message(&msg);
  return std::optional<RabbitMessage>(std::move(m));
}

}  // namespace docaxis::rabbit_bridge
