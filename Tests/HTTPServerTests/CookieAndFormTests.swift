import Testing

@testable import HTTPServer

@Suite struct CookieAndFormTests {
  @Test func cookieIsFoundAcrossHeadersAndPairs() throws {
    var headers: HTTPHeaders = [:]
    headers.add("Cookie", "a=1; theme=dark")
    headers.add("Cookie", " session = \"x y\" ;b=2")
    let request = try Request(method: "GET", target: "/", headers: headers)
    #expect(request.cookie("theme") == "dark")
    #expect(request.cookie("session") == "x y")
    #expect(request.cookie("b") == "2")
    #expect(request.cookie("missing") == nil)
    #expect(request.cookie("Theme") == nil)
  }

  @Test func setCookieWritesItsAttributesInOrder() {
    #expect(
      SetCookie(name: "f", value: "v").headerValue == "f=v; Path=/; HttpOnly; SameSite=Strict")
    #expect(
      SetCookie(name: "s", value: "1", maxAge: 0, sameSite: .lax).headerValue
        == "s=1; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    var response = Response()
    response.setCookie(SetCookie(name: "a", value: "1", secure: true))
    response.setCookie(SetCookie(name: "b", value: "2", path: nil, httpOnly: false, sameSite: nil))
    #expect(
      response.headers.values("Set-Cookie") == [
        "a=1; Path=/; HttpOnly; SameSite=Strict; Secure", "b=2",
      ])
  }

  @Test func formDecodesPlusEscapesAndUTF8() {
    let form = URLEncodedForm(Array("name=Anna+L%C3%B6f&email=a%40b.se&empty=&flag&x=1&x=2".utf8))
    #expect(form["name"] == "Anna Löf")
    #expect(form["email"] == "a@b.se")
    #expect(form["empty"] == "")
    #expect(form["flag"] == "")
    #expect(form["x"] == "1")
    #expect(form.values("x") == ["1", "2"])
    #expect(form["missing"] == nil)
  }

  @Test func formDropsPairsThatDoNotDecode() {
    let form = URLEncodedForm(Array("a=%00&b=%zz&c=%C3&d=%4&e=ok".utf8))
    #expect(form.fields.map(\.name) == ["e"])
  }
}
